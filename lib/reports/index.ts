/** Review reports: rendering (PDF, CSV, JSON), signing, and offline verification. */
export { renderSignedPdf, pdfSafe, type PdfResult } from "./pdf";
export { renderCsv, renderJson, signManifest, type ManifestPayload } from "./exports";
export { signingIdentity, generateSelfSigned, SigningConfigError, type SigningIdentity } from "@/lib/signing/identity";
export { verifyPdf, verifyManifest, type VerifyResult } from "./verify";
export { reportHeader, reportRows, REPORT_COLUMNS, type ReportHeader, type ReportRow } from "./data";
export { csvCell, csvLine } from "./csv";

export const REPORT_FILES = ["report.pdf", "report.csv", "report.json", "report.csv.jws", "report.json.jws"] as const;
export type ReportFile = (typeof REPORT_FILES)[number];
/** The evidence package (./package.ts): made from the frozen files of a closed campaign, never interim. */
export const PACKAGE_FILE = "evidence.zip";

/**
 * The download name of a report file: fixed, derived from the campaign id only (no user text in headers or paths).
 * An open campaign's files say INTERIM in their name: they are not final evidence.
 */
export function downloadName(campaignId: string, file: ReportFile, o: { interim?: boolean } = {}): string {
  return `recert-${campaignId}-${o.interim ? "INTERIM-" : ""}${file}`;
}
