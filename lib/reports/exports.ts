/** CSV and JSON with the PDF's rows, and the signed manifest (compact JWS, RS256, x5c) over their SHA-256. */
import { createHash, createPrivateKey } from "node:crypto";
import type { Ctx } from "@/lib/db/context";
import { CompactSign } from "jose";
import { csvLine } from "./csv";
import { REPORT_COLUMNS, ReportPass, reportHeader, reportRows, type ReportHeader, type ReportRow } from "./data";
import type { SigningIdentity } from "@/lib/signing/identity";

export async function renderCsv(ctx: Ctx, campaignId: string): Promise<Buffer> {
  return (await renderRows(ctx, campaignId, { csv: true, json: false })).csv;
}

export async function renderJson(ctx: Ctx, campaignId: string): Promise<{ json: Buffer; header: ReportHeader }> {
  const r = await renderRows(ctx, campaignId, { csv: false, json: true });
  return { json: r.json, header: r.header };
}

/**
 * Builds the CSV and the JSON from the report rows as a pass over the items yields them, so that a freeze renders the
 * PDF, the CSV and the JSON from one pass (lib/reports/freeze.ts). One Buffer per batch (outside the JavaScript heap),
 * not a string per row kept to the end: at 100,000 items that is the difference between the report fitting in 512 MB
 * or not (bench report).
 */
export class RowsWriter {
  private readonly csv: Buffer[] = [Buffer.from(csvLine(REPORT_COLUMNS.map((c) => c.label)), "utf8")];
  private readonly json: Buffer[] = [];
  private first = true;
  constructor(private readonly want: { csv: boolean; json: boolean }) {}

  add(batch: ReportRow[]): void {
    if (this.want.csv)
      this.csv.push(Buffer.from(batch.map((r) => csvLine(REPORT_COLUMNS.map((c) => r[c.key]))).join(""), "utf8"));
    if (this.want.json) {
      const lines: string[] = [];
      for (const r of batch) {
        lines.push(`${this.first ? "" : ","}\n${JSON.stringify(r)}`);
        this.first = false;
      }
      this.json.push(Buffer.from(lines.join(""), "utf8"));
    }
  }

  /** The files, once every row was added; `header` completed by the same pass (decisions hash, reviewer signals). */
  finish(header: ReportHeader): { csv: Buffer; json: Buffer } {
    // No generation time in the JSON: the same campaign state always gives the same bytes (and manifest). The header
    // goes before the items.
    const { generatedAt: _generatedAt, ...stable } = header;
    return {
      csv: this.want.csv ? Buffer.concat(this.csv) : Buffer.alloc(0),
      json: this.want.json
        ? Buffer.concat([
            Buffer.from(`{"format":"recert-review-report/1","campaign":${JSON.stringify(stable)},"items":[`, "utf8"),
            ...this.json,
            Buffer.from("\n]}\n"),
          ])
        : Buffer.alloc(0),
    };
  }
}

async function renderRows(
  ctx: Ctx,
  campaignId: string,
  want: { csv: boolean; json: boolean },
): Promise<{ csv: Buffer; json: Buffer; header: ReportHeader }> {
  // The header refuses drafts and other tenants' campaigns.
  const header = await reportHeader(ctx, campaignId, { scan: false });
  const pass = want.json ? new ReportPass() : undefined;
  const w = new RowsWriter(want);
  for await (const batch of reportRows(ctx.db, campaignId, undefined, undefined, pass)) w.add(batch);
  pass?.complete(header);
  return { ...w.finish(header), header };
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
