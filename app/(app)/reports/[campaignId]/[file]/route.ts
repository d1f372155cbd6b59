import { routeCaller } from "@/lib/auth";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { REPORT_FILES, ReportNotFound, type ReportFile } from "@/lib/reports";
import { reportResponse } from "@/lib/reports/serve";

/** GET /reports/<campaign id>/report.pdf|.csv|.json|.csv.jws|.json.jws — admins and auditors. */
export async function GET(_req: Request, { params }: { params: Promise<{ campaignId: string; file: string }> }) {
  const caller = await routeCaller("admin", "auditor");
  if (caller instanceof Response) return caller;
  const { campaignId, file } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(campaignId) || !(REPORT_FILES as readonly string[]).includes(file)) return Response.json({ error: "No such report file." }, { status: 404 });
  try {
    return await reportResponse(db(), env().ENTRA_TENANT_ID, campaignId, file as ReportFile);
  } catch (e) {
    if (e instanceof ReportNotFound) return Response.json({ error: e.message }, { status: 404 });
    throw e;
  }
}
