import { AuthError, requireRole } from "@/lib/auth";
import { env } from "@/lib/env";
import { latestSyncRun } from "@/lib/sync/read-runs";

export const dynamic = "force-dynamic";

/** The latest sync run with its live progress, for the Settings page's progress bar. Admins only. */
export async function GET() {
  try {
    await requireRole("admin");
  } catch (e) {
    if (e instanceof AuthError) return Response.json({ error: e.message }, { status: e.code === "unauthenticated" ? 401 : 403 });
    throw e;
  }
  return Response.json({ run: await latestSyncRun(env().ENTRA_TENANT_ID) }, { headers: { "cache-control": "no-store" } });
}
