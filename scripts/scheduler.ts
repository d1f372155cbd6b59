/**
 * `npm run scheduler -- [--json] [--now <ISO>]`: one pass of timed work (see scripts/lib/scheduler-cli.ts).
 * Re-executes itself with the react-server condition first, because lib modules import "server-only".
 */
import { ensureServerCondition } from "../lib/sync/server-condition";

void (async () => {
  await ensureServerCondition();
  const { main } = await import("./lib/scheduler-cli");
  process.exit(await main());
})().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
