import "server-only";
import type { Db } from "@/lib/db/index";
import { renderCsv, renderJson, signManifest } from "./exports";
import { downloadName, type ReportFile } from "./index";
import { renderSignedPdf } from "./pdf";
import { signingIdentity } from "./signing";

const TYPES: Record<ReportFile, string> = {
  "report.pdf": "application/pdf",
  "report.csv": "text/csv; charset=utf-8",
  "report.json": "application/json; charset=utf-8",
  "report.csv.jws": "application/jose",
  "report.json.jws": "application/jose",
};

/** One report file as an HTTP response (used by the app's download route and the evidence API). */
export async function reportResponse(db: Db, tenantId: string, campaignId: string, file: ReportFile): Promise<Response> {
  const identity = signingIdentity();
  let body: Buffer | string;
  if (file === "report.pdf") body = (await renderSignedPdf(db, tenantId, campaignId, identity)).pdf;
  else if (file === "report.csv") body = await renderCsv(db, tenantId, campaignId);
  else if (file === "report.json") body = (await renderJson(db, tenantId, campaignId)).json;
  else {
    const base = file === "report.csv.jws" ? "report.csv" : "report.json";
    const content = base === "report.csv" ? await renderCsv(db, tenantId, campaignId) : (await renderJson(db, tenantId, campaignId)).json;
    body = await signManifest(downloadName(campaignId, base), content, campaignId, identity);
  }
  return new Response(new Uint8Array(typeof body === "string" ? Buffer.from(body) : body), {
    headers: {
      "content-type": TYPES[file],
      "content-disposition": `attachment; filename="${downloadName(campaignId, file)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
