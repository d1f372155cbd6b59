/**
 * The signed PDF: a cover page (campaign, counts, apply results, who closed it, the audit chain head and
 * the population proof) and every item as one table row, "Page n of N" on each page. Signed as PAdES baseline B-B
 * (SubFilter ETSI.CAdES.detached, ESS signing-certificate-v2; lib/signing/pades.ts), B-T with a time-stamp when a
 * time-stamp authority is configured and the report is final evidence; pdfsig and Adobe Reader validate it.
 */
import { deflateSync } from "node:zlib";
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from "pdf-lib";
import type { Ctx } from "@/lib/db/context";
import { SignPdf } from "@signpdf/signpdf";
import { pdflibAddPlaceholder } from "@signpdf/placeholder-pdf-lib";
import { ItemsHasher } from "@/lib/reviews/items-hash";
import { ReportPass, reportHeader, reportRows, type ReportHeader, type ReportRow } from "./data";
import type { SigningIdentity } from "@/lib/signing/identity";
import { PADES_SUBFILTER, PadesSigner } from "@/lib/signing/pades";

const W = 842; // A4 landscape
const H = 595;
const M = 36;
const ROW_H = 11;
const TOP = H - M - 40;
const ROWS_PER_PAGE = Math.floor((TOP - M - 20) / ROW_H);

/** Standard PDF fonts speak WinAnsi only: anything else becomes "?" rather than failing the report. */
export function pdfSafe(s: string): string {
  return s.normalize("NFC").replace(/[^\x20-\x7E\xA0-\xFF]/g, "?");
}

/** A PDF literal string in WinAnsi: backslash, parentheses escaped; the ellipsis is WinAnsi 0x85. */
export function pdfString(text: string): string {
  return `(${text.replace(/[\\()]/g, (c) => `\\${c}`).replace(/…/g, "\\205")})`;
}

/**
 * Text widths from a table of the font's per-character advance widths (WinAnsi, after pdfSafe), without kerning:
 * a `Tj` string is drawn without kerning, so this is the width on the page. pdf-lib's widthOfTextAtSize encodes
 * glyphs and applies kerning pairs per call, which took a second of a 100,000-item report.
 */
const widthTables = new WeakMap<PDFFont, Float64Array>();
function widthAt(font: PDFFont, text: string, size: number): number {
  let table = widthTables.get(font);
  if (!table) {
    table = new Float64Array(256);
    for (let c = 0x20; c < 0x100; c++)
      if (c < 0x7f || c >= 0xa0) table[c] = font.widthOfTextAtSize(String.fromCharCode(c), 1000) / 1000;
    table[0x85] = font.widthOfTextAtSize("…", 1000) / 1000; // the ellipsis fit() adds, WinAnsi 0x85
    widthTables.set(font, table);
  }
  let w = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    w += table[c === 0x2026 ? 0x85 : c & 0xff]!;
  }
  return w * size;
}

function fit(font: PDFFont, size: number, text: string, width: number): string {
  let t = pdfSafe(text);
  if (widthAt(font, t, size) <= width) return t;
  while (t.length > 1 && widthAt(font, `${t}…`, size) > width) t = t.slice(0, Math.max(1, Math.floor(t.length * 0.9)));
  return `${t}…`;
}

/**
 * People are named by UPN first (#17: two people may share a display name, as the demo tenant's two "Kenji Haddad"
 * do), the display name after it; a cell too long for its column is set smaller before anything is cut.
 */
const person = (upn: string, name: string) => (upn ? (name && name !== upn ? `${upn} (${name})` : upn) : name);
/**
 * A person's cell: "upn (name)" at the largest size from 7 down to 5 pt that fits; when even 5 pt is too small, the
 * UPN alone (the name can go, the UPN must not); cut only if the UPN alone does not fit. Text width is linear in the
 * size, so one measurement serves every size (the bench renders 100,000 rows).
 */
function personCell(font: PDFFont, upn: string, name: string, width: number): { text: string; size: number } {
  let text = pdfSafe(person(upn, name));
  let w7 = widthAt(font, text, 7);
  if (upn && (w7 * 5) / 7 > width) {
    text = pdfSafe(upn);
    w7 = widthAt(font, text, 7);
  }
  for (const size of [7, 6.5, 6, 5.5, 5]) if ((w7 * size) / 7 <= width) return { text, size };
  return { text: fit(font, 5, text, width), size: 5 };
}

const COLS: {
  key: keyof ReportRow;
  label: string;
  w: number;
  person?: (r: ReportRow) => [upn: string, name: string];
}[] = [
  { key: "ordinal", label: "#", w: 30 },
  {
    key: "principal",
    label: "Principal (UPN)",
    w: 168,
    person: (r) => [r.principalUpn, r.principal],
  },
  { key: "resource", label: "Resource", w: 92 },
  { key: "access", label: "Access", w: 42 },
  { key: "recommendation", label: "Suggested", w: 52 },
  { key: "decision", label: "Decision", w: 46 },
  { key: "reviewer", label: "Reviewer (UPN)", w: 128, person: (r) => [r.reviewerUpn, r.reviewer] },
  { key: "decidedAt", label: "Decided (UTC)", w: 68 },
  { key: "justification", label: "Justification", w: 90 },
  { key: "applyResult", label: "Apply result", w: 54 },
];

function footer(page: PDFPage, font: PDFFont, n: number, total: number, h: ReportHeader) {
  page.drawText(pdfSafe(`${h.name} · campaign ${h.campaignId}`), {
    x: M,
    y: M - 18,
    size: 7,
    font,
    color: rgb(0.4, 0.4, 0.4),
  });
  // An open campaign's report is a snapshot that will change (#17): said on every page, not only the cover.
  if (h.interim) {
    // U+2013 is in WinAnsi (0x96), which pdf-lib encodes for the standard fonts.
    const interim = "Interim \u2013 not final evidence";
    page.drawText(interim, {
      x: (W - font.widthOfTextAtSize(interim, 9)) / 2,
      y: H - M + 14,
      size: 9,
      font,
      color: rgb(0.7, 0.1, 0.1),
    });
  }
  const label = `Page ${n} of ${total}`;
  page.drawText(label, {
    x: W - M - font.widthOfTextAtSize(label, 8),
    y: M - 18,
    size: 8,
    font,
    color: rgb(0.3, 0.3, 0.3),
  });
}

export interface PdfResult {
  pdf: Buffer;
  header: ReportHeader;
  recomputedHash: string;
  pages: number;
}

export async function renderSignedPdf(
  ctx: Ctx,
  campaignId: string,
  identity: SigningIdentity,
  /** `rows` also receives each batch of rows the pass reads (a freeze builds the CSV and JSON from the same pass). */
  o: { timestampUrl?: string; rows?: (batch: ReportRow[]) => void } = {},
): Promise<PdfResult> {
  const { db } = ctx;
  const now = ctx.now();
  const h = await reportHeader(ctx, campaignId, { scan: false });
  const pass = new ReportPass();
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle(pdfSafe(`Access review report: ${h.name}`));
  doc.setSubject(`recert-campaign:${h.campaignId}`);
  doc.setKeywords([`campaign=${h.campaignId}`, `tenant=${h.tenantId}`, `items-sha256=${h.itemsHash ?? ""}`]);
  doc.setProducer("Recert");
  doc.setCreator("Recert");
  doc.setCreationDate(now);
  doc.setModificationDate(now);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const itemPages = Math.max(1, Math.ceil(h.itemCount / ROWS_PER_PAGE));
  const total = itemPages + 1;

  // Items first (one pass also recomputes the population hash), the cover is inserted before them.
  // Item pages are written as raw content streams (one compressed stream per page) instead of one
  // pdf-lib operator object per cell: at 100,000 items that is the difference between gigabytes and
  // a few hundred megabytes, and several times the speed.
  const hasher = new ItemsHasher();
  let pageNo = 1;
  let ops: string[] = [];
  let y = 0;
  let rows = 0;
  const flushPage = () => {
    if (ops.length === 0) return;
    const page = doc.addPage([W, H]);
    const f1 = page.node.newFontDictionary("F1", font.ref);
    const f2 = page.node.newFontDictionary("F2", bold.ref);
    const content = ops.join("\n").replace(/\/F1 /g, `${f1.toString()} `).replace(/\/F2 /g, `${f2.toString()} `);
    // Node's zlib, not pdf-lib's flateStream (pako in JavaScript, a second of a 100,000-item report).
    const stream = doc.context.stream(deflateSync(Buffer.from(content, "latin1"), { level: 6 }), {
      Filter: "FlateDecode",
    });
    page.node.addContentStream(doc.context.register(stream));
    footer(page, font, pageNo, total, h);
    ops = [];
  };
  const startPage = () => {
    flushPage();
    pageNo++;
    ops.push(`BT /F2 12 Tf ${M} ${H - M - 10} Td ${pdfString("Items")} Tj ET`);
    let x = M;
    for (const c of COLS) {
      ops.push(`BT /F2 7.5 Tf ${x} ${TOP} Td ${pdfString(c.label)} Tj ET`);
      x += c.w;
    }
    ops.push(`0.6 0.6 0.6 RG 0.5 w ${M} ${TOP - 3} m ${W - M} ${TOP - 3} l S`);
    y = TOP - ROW_H - 2;
  };
  for await (const batch of reportRows(db, campaignId, hasher, undefined, pass)) {
    o.rows?.(batch);
    for (const r of batch) {
      if (rows % ROWS_PER_PAGE === 0) startPage();
      let x = M;
      for (const c of COLS) {
        const cell = c.person
          ? personCell(font, ...c.person(r), c.w - 4)
          : { text: fit(font, 7, String(r[c.key] ?? ""), c.w - 4), size: 7 };
        if (cell.text)
          ops.push(
            `BT ${c.key === "decision" && cell.text === "Revoke" ? "0.7 0.1 0.1" : "0.1 0.1 0.1"} rg /F1 ${cell.size} Tf ${x} ${y} Td ${pdfString(cell.text)} Tj ET`,
          );
        x += c.w;
      }
      y -= ROW_H;
      rows++;
    }
  }
  if (rows === 0) startPage();
  flushPage();
  const recomputedHash = hasher.digest();
  pass.complete(h); // the decisions hash and reviewer signals, from the same pass

  const cover = doc.insertPage(0, [W, H]);
  let cy = H - M - 10;
  const line = (label: string, value: string, opts: { mono?: boolean } = {}) => {
    cover.drawText(pdfSafe(label), { x: M, y: cy, size: 9, font: bold });
    cover.drawText(fit(font, opts.mono ? 8 : 9, value, W - M - 200), {
      x: M + 190,
      y: cy,
      size: opts.mono ? 8 : 9,
      font,
    });
    cy -= 15;
  };
  cover.drawText(pdfSafe(`Access review report${h.interim ? " (interim: campaign still open)" : ""}`), {
    x: M,
    y: cy,
    size: 18,
    font: bold,
  });
  cy -= 26;
  cover.drawText(pdfSafe(h.name), { x: M, y: cy, size: 13, font });
  cy -= 26;
  line("Tenant", `${h.tenantName ?? ""} (${h.tenantId})`);
  line("Campaign id", h.campaignId, { mono: true });
  line("Scope", `${h.scope}; ${h.population}`);
  for (const [i, l] of (h.nested ?? []).entries()) line(i === 0 ? "Nested groups" : "", l);
  if (h.exclusions) {
    // One line per excluded group or user (the first ten; the campaign's manifest holds them all), then the count.
    const { entries, items } = h.exclusions;
    for (const [i, e] of entries.slice(0, 10).entries()) line(i === 0 ? "Excluded" : "", e);
    if (entries.length > 10) line("", `and ${entries.length - 10} more (listed in the campaign's manifest)`);
    line("", `${items} item(s) of excluded people left out; excluded groups are not reviewed`);
  }
  line("Reviewers", `${h.stages}; ${h.reviewerCount} reviewer(s)`);
  line("Period", `${h.startAt} to ${h.endAt} (UTC)`);
  line("Status", h.status);
  line("Items", String(h.itemCount));
  line(
    "Decisions",
    `${h.counts.approve} approved, ${h.counts.revoke} revoked, ${h.counts.dontknow} don't know, ${h.counts.notReviewed} not reviewed`,
  );
  line(
    "Outcomes at close",
    Object.entries(h.outcomes)
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ") || "-",
  );
  line(
    "Applied to Entra",
    `${h.apply.applied} removed, ${h.apply.alreadyRemoved} already removed, ${h.apply.failed} failed, ${h.apply.pending} pending` +
      (h.apply.manual || h.apply.removedManually
        ? `; groups Exchange or Active Directory owns: ${h.apply.removedManually} removed there (seen by sync), ${h.apply.manual} still to remove`
        : ""),
  );
  line("Closed", h.closedAt ? `${h.closedAt} by ${h.closedByName ?? "-"} (${h.closeReason ?? ""})` : "not closed");
  line("Applied", h.appliedAt ?? "-");
  line("Audit chain head at close", h.chainHead ?? "-", { mono: true });
  line(
    "Decisions SHA-256",
    `${h.decisions.hash} ${h.decisions.atClose === null ? "(campaign open)" : h.decisions.atClose === h.decisions.hash ? "(matches the close)" : "(DOES NOT MATCH the close)"}`,
    { mono: true },
  );
  cy -= 8;
  cover.drawText("Proof of population", { x: M, y: cy, size: 11, font: bold });
  cy -= 18;
  line("Frozen from sync run", h.sync.runId ?? "-", { mono: true });
  line(
    "Sync finished",
    `${h.sync.finishedAt ?? "-"}; complete: ${h.sync.complete === null ? "-" : h.sync.complete ? "yes" : "no"}`,
  );
  // What that sync could not read (#19): an auditor reads here that, say, eligible group members were not reviewed.
  for (const [i, l] of h.unread.slice(0, 6).entries())
    line(i === 0 ? "Not read by the sync" : "", l.length > 120 ? `${l.slice(0, 117)}...` : l);
  line(
    "Sync counts",
    Object.entries(h.sync.counts)
      .slice(0, 8)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "-",
  );
  line("Items SHA-256 (stored)", h.itemsHash ?? "-", { mono: true });
  line(
    "Items SHA-256 (recomputed)",
    `${recomputedHash} ${recomputedHash === h.itemsHash ? "(matches)" : "(DOES NOT MATCH)"}`,
    { mono: true },
  );
  line(
    "Earlier revocations back",
    h.returnedEarlier.count
      ? `${h.returnedEarlier.count} access(es) earlier campaigns revoked in these resources were seen again by a later sync; listed in the JSON report.`
      : "None: every access earlier campaigns revoked in these resources stayed removed.",
  );
  const flagged = h.reviewerSignals.filter((r) => r.flags.length);
  line(
    "Reviewer behaviour",
    flagged.length
      ? `${flagged.length} of ${h.reviewerSignals.length} reviewer(s) flagged as possible rubber-stamping: ${flagged.map((r) => r.name ?? r.reviewerId).join(", ")}. Rules and figures: JSON report, campaign page.`
      : `No reviewer met a rubber-stamping rule (${h.reviewerSignals.length} reviewer(s) decided).`,
  );
  line("Generated", `${h.generatedAt} by Recert`);
  line("Signed by", `${identity.subject} (SHA-256 ${identity.fingerprint.slice(0, 32)}...)`);
  cover.drawText(
    pdfSafe(
      "The embedded signature covers every byte of this file. Verify with `pdfsig`, Adobe Reader, or Recert's /verify page.",
    ),
    { x: M, y: M + 10, size: 8, font, color: rgb(0.35, 0.35, 0.35) },
  );
  footer(cover, font, 1, total, h);

  pdflibAddPlaceholder({
    pdfDoc: doc,
    reason: `Recert access review report ${h.campaignId}`,
    contactInfo: "",
    name: identity.subject,
    location: h.tenantId,
    signingTime: now,
    signatureLength: 16_384,
    appName: "Recert",
    subFilter: PADES_SUBFILTER,
  });
  const unsigned = Buffer.from(await doc.save({ useObjectStreams: false }));
  const pdf = await new SignPdf().sign(unsigned, new PadesSigner(identity, o.timestampUrl), now);
  return { pdf, header: h, recomputedHash, pages: total };
}
