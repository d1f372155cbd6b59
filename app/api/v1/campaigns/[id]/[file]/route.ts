import { requireApiCaller } from "@/lib/auth/api-guard";
import { appCtx } from "@/lib/db";
import { REPORT_FILES, type ReportFile } from "@/lib/reports";
import { httpStatus, UserError } from "@/lib/errors";
import { reportResponse } from "@/lib/reports/serve";
import { PACKAGE_FILE } from "@/lib/reports";
import { packageResponse } from "@/lib/reports/package";

/** GET /api/v1/campaigns/{id}/report.pdf|.csv|.json (and .csv.jws/.json.jws), evidence.zip — Recert.Auditor. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string; file: string }> }) {
  const auth = await requireApiCaller(req);
  if ("response" in auth) return auth.response;
  const { id, file } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id) || !([...REPORT_FILES, PACKAGE_FILE] as readonly string[]).includes(file))
    return Response.json({ error: "not_found", error_description: "No such report file." }, { status: 404 });
  try {
    if (file === PACKAGE_FILE) return await packageResponse(appCtx(), id);
    return await reportResponse(appCtx(), id, file as ReportFile);
  } catch (e) {
    if (e instanceof UserError)
      return Response.json({ error: e.code, error_description: e.message }, { status: httpStatus(e.code) });
    throw e;
  }
}
