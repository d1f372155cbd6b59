/**
 * `npm run sync -- [--full] [--json]`: one directory sync (see lib/sync/cli.ts for output and exit codes).
 * Re-executes itself with the react-server condition first, because lib/graph imports "server-only".
 */
import { ensureServerCondition } from "../lib/sync/server-condition";

void (async () => {
  await ensureServerCondition();
  const { main } = await import("../lib/sync/cli");
  process.exit(await main());
})().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
