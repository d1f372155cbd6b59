import { routeCaller } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { latestSyncRun } from "@/lib/sync/read-runs";

export const dynamic = "force-dynamic";

/** The latest sync run with its live progress, for the Settings page's progress bar. Admins only. */
export async function GET() {
  const caller = await routeCaller("admin");
  if (caller instanceof Response) return caller;
  return Response.json({ run: await latestSyncRun(appCtx()) }, { headers: { "cache-control": "no-store" } });
}
