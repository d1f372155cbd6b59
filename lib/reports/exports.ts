/** CSV and JSON with the PDF's rows, and the signed manifest (compact JWS, RS256, x5c) over their SHA-256. */
import { createHash, createPrivateKey } from "node:crypto";
import type { Ctx } from "@/lib/db/context";
import { CompactSign } from "jose";
import { csvLine } from "./csv";
import { REPORT_COLUMNS, ReportPass, reportHeader, reportRows, type ReportHeader } from "./data";
import type { SigningIdentity } from "@/lib/signing/identity";

export async function renderCsv(ctx: Ctx, campaignId: string): Promise<Buffer> {
  return (await renderRows(ctx, campaignId, { csv: true, json: false })).csv!;
}

export async function renderJson(ctx: Ctx, campaignId: string): Promise<{ json: Buffer; header: ReportHeader }> {
  const r = await renderRows(ctx, campaignId, { csv: false, json: true });
  return { json: r.json!, header: r.header };
}

/** The CSV and the JSON from one pass over the items (what a freeze stores): the same bytes as rendered apart. */
export async function renderCsvAndJson(ctx: Ctx, campaignId: string): Promise<{ csv: Buffer; json: Buffer }> {
  const r = await renderRows(ctx, campaignId, { csv: true, json: true });
  return { csv: r.csv!, json: r.json! };
}

async function renderRows(
  ctx: Ctx,
  campaignId: string,
  want: { csv: boolean; json: boolean },
): Promise<{ csv?: Buffer; json?: Buffer; header: ReportHeader }> {
  const { db } = ctx;
  // The header refuses drafts and other tenants' campaigns; the JSON's is completed by the items' pass (decisions
  // hash, reviewer signals).
  const header = await reportHeader(ctx, campaignId, { scan: false });
  const pass = want.json ? new ReportPass() : undefined;
  // One Buffer per batch (outside the JavaScript heap), not a string per row kept to the end: at 100,000 items that
  // is the difference between the report fitting in 512 MB or not (bench report).
  const csv: Buffer[] = [Buffer.from(csvLine(REPORT_COLUMNS.map((c) => c.label)), "utf8")];
  const json: Buffer[] = [Buffer.alloc(0)];
  let first = true;
  for await (const batch of reportRows(db, campaignId, undefined, undefined, pass)) {
    if (want.csv)
      csv.push(Buffer.from(batch.map((r) => csvLine(REPORT_COLUMNS.map((c) => r[c.key]))).join(""), "utf8"));
    if (want.json) {
      const lines: string[] = [];
      for (const r of batch) {
        lines.push(`${first ? "" : ","}\n${JSON.stringify(r)}`);
        first = false;
      }
      json.push(Buffer.from(lines.join(""), "utf8"));
    }
  }
  if (!want.json) return { csv: Buffer.concat(csv), header };
  json.push(Buffer.from("\n]}\n"));
  pass!.complete(header);
  // No generation time in the JSON: the same campaign state always gives the same bytes (and manifest). The items
  // first, the header put before them.
  const { generatedAt: _generatedAt, ...stable } = header;
  json[0] = Buffer.from(`{"format":"recert-review-report/1","campaign":${JSON.stringify(stable)},"items":[`, "utf8");
  return { csv: want.csv ? Buffer.concat(csv) : undefined, json: Buffer.concat(json), header };
}

export interface ManifestPayload {
  file: string;
  sha256: string;
  bytes: number;
  campaignId: string;
  signedAt: string;
  signer: string;
  signerFingerprint: string;
}

/** A compact JWS whose payload names the file and its SHA-256; the signing certificate travels in x5c. */
export async function signManifest(
  file: string,
  content: Buffer,
  campaignId: string,
  identity: SigningIdentity,
  now = new Date(),
): Promise<string> {
  const payload: ManifestPayload = {
    file,
    sha256: createHash("sha256").update(content).digest("hex"),
    bytes: content.length,
    campaignId,
    signedAt: now.toISOString(),
    signer: identity.subject,
    signerFingerprint: identity.fingerprint,
  };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "RS256", typ: "recert-manifest+jws", x5c: [identity.certDerB64] })
    .sign(createPrivateKey(identity.privateKeyPem));
}
