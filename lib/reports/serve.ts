import "server-only";
import type { Ctx } from "@/lib/db/context";
import { renderCsv, renderJson, signManifest } from "./exports";
import { downloadName, type ReportFile } from "./index";
import { renderSignedPdf } from "./pdf";
import { frozenFile } from "./freeze";
import { signingIdentity } from "@/lib/signing/identity";

const TYPES: Record<ReportFile, string> = {
  "report.pdf": "application/pdf",
  "report.csv": "text/csv; charset=utf-8",
  "report.json": "application/json; charset=utf-8",
  "report.csv.jws": "application/jose",
  "report.json.jws": "application/jose",
};

/**
 * One report file as an HTTP response (used by the app's download route and the evidence API). A closed or applied
 * campaign's file is the stored one, signed once (./freeze.ts); an open campaign's is rendered now and named INTERIM.
 */
export async function reportResponse(ctx: Ctx, campaignId: string, file: ReportFile): Promise<Response> {
  const frozen = await frozenFile(ctx, campaignId, file);
  if (frozen) return respond(frozen.content, file, downloadName(campaignId, file));
  const identity = signingIdentity();
  let body: Buffer | string;
  if (file === "report.pdf") body = (await renderSignedPdf(ctx, campaignId, identity)).pdf;
  else if (file === "report.csv") body = await renderCsv(ctx, campaignId);
  else if (file === "report.json") body = (await renderJson(ctx, campaignId)).json;
  else {
    const base = file === "report.csv.jws" ? "report.csv" : "report.json";
    const content = base === "report.csv" ? await renderCsv(ctx, campaignId) : (await renderJson(ctx, campaignId)).json;
    body = await signManifest(downloadName(campaignId, base, { interim: true }), content, campaignId, identity);
  }
  return respond(
    typeof body === "string" ? Buffer.from(body) : body,
    file,
    downloadName(campaignId, file, { interim: true }),
  );
}

function respond(body: Buffer, file: ReportFile, name: string): Response {
  return new Response(new Uint8Array(body), {
    headers: {
      "content-type": TYPES[file],
      "content-disposition": `attachment; filename="${name}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
