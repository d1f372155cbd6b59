import { routeCaller } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { REPORT_FILES, type ReportFile } from "@/lib/reports";
import { httpStatus, UserError } from "@/lib/errors";
import { reportResponse } from "@/lib/reports/serve";
import { PACKAGE_FILE } from "@/lib/reports";
import { packageResponse } from "@/lib/reports/package";

/** GET /reports/<campaign id>/report.pdf|.csv|.json|.csv.jws|.json.jws|evidence.zip — admins and auditors. */
export async function GET(_req: Request, { params }: { params: Promise<{ campaignId: string; file: string }> }) {
  const caller = await routeCaller("admin", "auditor");
  if (caller instanceof Response) return caller;
  const { campaignId, file } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(campaignId) || !([...REPORT_FILES, PACKAGE_FILE] as readonly string[]).includes(file))
    return Response.json({ error: "No such report file." }, { status: 404 });
  try {
    if (file === PACKAGE_FILE) return await packageResponse(appCtx(), campaignId);
    return await reportResponse(appCtx(), campaignId, file as ReportFile);
  } catch (e) {
    if (e instanceof UserError) return Response.json({ error: e.message }, { status: httpStatus(e.code) });
    throw e;
  }
}
