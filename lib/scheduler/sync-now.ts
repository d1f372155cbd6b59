import "server-only";
import { graphFactory } from "@/lib/connection";
import { appCtx, db } from "@/lib/db";
import { env } from "@/lib/env";
import { UserError } from "@/lib/errors";
import { startBackgroundSync } from "@/lib/sync/start-sync";
import { afterSync } from "./after-sync";

/** Settings → Sync now: a sync in this process, then expiries, campaign housekeeping and the dashboard on the fresh data. */
export async function syncNow(mode: "auto" | "full"): Promise<void> {
  // Expiries and auto-applies write: through the write app, never the sync's read connection.
  const r = await startBackgroundSync(mode, async () => {
    await afterSync(appCtx(), await graphFactory(db(), env()), {
      approvalThreshold: env().RECERT_APPROVAL_THRESHOLD,
      protectedUpns: env().RECERT_PROTECTED_UPNS,
    });
  });
  if (!r.ok) throw new UserError("conflict", r.error);
}
