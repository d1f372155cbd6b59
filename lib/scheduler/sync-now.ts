import "server-only";
import { appCtx } from "@/lib/db";
import { UserError } from "@/lib/errors";
import { startBackgroundSync } from "@/lib/sync/start-sync";
import { afterSync } from "./after-sync";

/** Settings → Sync now: a sync in this process, then expiries, campaign housekeeping and the dashboard on the fresh data. */
export async function syncNow(mode: "auto" | "full"): Promise<void> {
  const r = await startBackgroundSync(mode, async (graph) => {
    await afterSync(appCtx(), graph);
  });
  if (!r.ok) throw new UserError("conflict", r.error);
}
