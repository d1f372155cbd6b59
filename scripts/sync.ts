/**
 * `npm run sync -- [--full] [--json]`: one directory sync (see scripts/lib/sync-cli.ts for output and exit codes).
 * Re-executes itself with the react-server condition first, because lib/graph imports "server-only".
 */
import { ensureServerCondition } from "../lib/sync/server-condition";

void (async () => {
  await ensureServerCondition();
  const { main } = await import("./lib/sync-cli");
  const code = await main();
  // After a good sync: access expiry, campaign housekeeping and the dashboard cache (see lib/scheduler/after-sync.ts).
  if (code === 0 && !process.argv.includes("--no-after")) {
    const { runAfterSyncFromEnv } = await import("./lib/scheduler-cli");
    await runAfterSyncFromEnv().catch((e: unknown) =>
      console.error(`after-sync work failed: ${e instanceof Error ? e.message : e}`),
    );
  }
  process.exit(code);
})().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
