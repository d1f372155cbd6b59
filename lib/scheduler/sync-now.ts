import "server-only";
import { graphFactory } from "@/lib/connection";
import { appCtx, db } from "@/lib/db";
import { env } from "@/lib/env";
import { UserError } from "@/lib/errors";
import { startBackgroundSync } from "@/lib/sync/start-sync";
import { afterSync } from "./after-sync";

/**
 * Settings → Sync now: a sync in this process, then expiries, campaign housekeeping and the dashboard on the fresh data.
 * `keep` receives that work as it starts (the action hands it to `after()`, so a server that is shutting down waits for
 * the sync to stop and release its lock).
 */
export async function syncNow(mode: "auto" | "full", keep?: (work: Promise<void>) => void): Promise<void> {
  // Expiries and auto-applies write: through the write app, never the sync's read connection.
  const r = await startBackgroundSync(
    mode,
    async () => {
      await afterSync(appCtx(), await graphFactory(db(), env()), {
        approvalThreshold: env().RECERT_APPROVAL_THRESHOLD,
        protectedUpns: env().RECERT_PROTECTED_UPNS,
      });
    },
    keep,
  );
  if (!r.ok) throw new UserError("conflict", r.error);
}
