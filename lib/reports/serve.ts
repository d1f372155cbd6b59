import "server-only";
import type { Ctx } from "@/lib/db/context";
import { renderCsv, renderJson, signManifest } from "./exports";
import { downloadName, type ReportFile } from "./index";
import { renderSignedPdf } from "./pdf";
import { signingIdentity } from "@/lib/signing/identity";

const TYPES: Record<ReportFile, string> = {
  "report.pdf": "application/pdf",
  "report.csv": "text/csv; charset=utf-8",
  "report.json": "application/json; charset=utf-8",
  "report.csv.jws": "application/jose",
  "report.json.jws": "application/jose",
};

/** One report file as an HTTP response (used by the app's download route and the evidence API). */
export async function reportResponse(ctx: Ctx, campaignId: string, file: ReportFile): Promise<Response> {
  const identity = signingIdentity();
  let body: Buffer | string;
  if (file === "report.pdf") body = (await renderSignedPdf(ctx, campaignId, identity)).pdf;
  else if (file === "report.csv") body = await renderCsv(ctx, campaignId);
  else if (file === "report.json") body = (await renderJson(ctx, campaignId)).json;
  else {
    const base = file === "report.csv.jws" ? "report.csv" : "report.json";
    const content = base === "report.csv" ? await renderCsv(ctx, campaignId) : (await renderJson(ctx, campaignId)).json;
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
