/**
 * Offline verification of an evidence package (#17), for `npm run verify -- package.zip` and the /verify page. Every
 * check is run and reported, not only the first that fails:
 *   1. the ZIP is well formed and holds exactly the files MANIFEST.json lists, each with its SHA-256 and size;
 *   2. MANIFEST.json.jws is a signed manifest of MANIFEST.json by the trusted certificate;
 *   3. the PDF's signature, and the CSV's and JSON's manifests, by the same certificate;
 *   4. the audit excerpt: every row's hash recomputed from its content and the previous hash, the rows contiguous,
 *      the last row's hash the one the signed checkpoint names;
 *   5. the excerpt records this campaign's close and the freezing of exactly these report files (their SHA-256).
 * Verdict as for single files: "valid" only when everything holds and the signer is trusted; "untrusted" when
 * everything holds but the signer is not the trusted certificate (or none was given); otherwise "invalid".
 */
import { createHash, X509Certificate } from "node:crypto";
import { checkCheckpoint } from "@/lib/audit/checkpoint";
import { chainHash, GENESIS_HASH } from "@/lib/audit/canonical";
import { type AuditRow, fieldsOf } from "@/lib/audit/verify-chain";
import type { PackageManifest } from "./package";
import { type Verdict, verifyManifest, verifyPdf } from "./verify";
import { readZip, ZipError } from "./zip";

export interface PackageCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface PackageResult {
  valid: boolean;
  verdict: Verdict;
  kind: "package";
  reason: string;
  campaignId: string | null;
  signer: string | null;
  signerFingerprint: string | null;
  trusted: boolean | null;
  checks: PackageCheck[];
}

const FORMAT = "recert-evidence-package/1";
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A row of audit/chain.jsonl: the stored row, its time as an ISO string. */
type StoredRow = Omit<AuditRow, "at"> & { at: string };

export function isZip(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32LE(0) === 0x04034b50;
}

export async function verifyPackage(
  buf: Buffer,
  trustedFingerprint?: string,
  o: { tsaFingerprint?: string; maxBytes?: number } = {},
): Promise<PackageResult> {
  const checks: PackageCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    return ok;
  };
  const result = (extra: Partial<PackageResult> = {}): PackageResult => {
    const failed = checks.filter((c) => !c.ok);
    const untrusted = extra.trusted === false;
    const verdict: Verdict = failed.length ? "invalid" : untrusted ? "untrusted" : "valid";
    return {
      valid: verdict === "valid",
      verdict,
      kind: "package",
      reason:
        verdict === "invalid"
          ? `The evidence package does not hold: ${failed[0]!.name}: ${failed[0]!.detail}${failed.length > 1 ? ` (and ${failed.length - 1} more)` : ""}`
          : verdict === "untrusted"
            ? trustedFingerprint
              ? "Everything in the package is intact, but it is signed by a certificate that is not the trusted one."
              : "Everything in the package is intact, but no trusted certificate was given to compare the signer with (--cert or --fingerprint)."
            : "The evidence package is intact and every signature in it is by the trusted certificate.",
      campaignId: null,
      signer: null,
      signerFingerprint: null,
      trusted: null,
      ...extra,
      checks,
    };
  };

  let entries: Map<string, Buffer>;
  try {
    entries = new Map(readZip(buf, { maxBytes: o.maxBytes }).map((e) => [e.name, e.content]));
  } catch (e) {
    check("zip", false, e instanceof ZipError ? e.message : `unreadable: ${(e as Error).message}`);
    return result();
  }
  const manifestBytes = entries.get("MANIFEST.json");
  const manifestJws = entries.get("MANIFEST.json.jws");
  if (!check("manifest present", Boolean(manifestBytes && manifestJws), "MANIFEST.json and MANIFEST.json.jws"))
    return result();
  let manifest: PackageManifest;
  try {
    manifest = JSON.parse(manifestBytes!.toString("utf8")) as PackageManifest;
    if (manifest.format !== FORMAT || !Array.isArray(manifest.files)) throw new Error(`format is not ${FORMAT}`);
  } catch (e) {
    check("manifest", false, `MANIFEST.json cannot be read: ${(e as Error).message}`);
    return result();
  }
  // The signature over the manifest, and so over every file it lists. The signer decides the trust of the whole.
  const m = await verifyManifest(manifestBytes!, manifestJws!.toString("utf8"), "MANIFEST.json", trustedFingerprint);
  check("manifest signature", m.verdict !== "invalid", m.reason);
  const fp = m.signerFingerprint;
  const base = {
    campaignId: manifest.campaignId ?? null,
    signer: m.signer,
    signerFingerprint: fp,
    trusted: m.verdict === "invalid" ? null : m.verdict === "valid",
  };
  if (m.campaignId !== manifest.campaignId)
    check("manifest campaign", false, "the manifest's signature is for another campaign");

  // 1. Exactly the listed files, each as listed.
  const listed = new Set(manifest.files.map((f) => f.name));
  for (const name of entries.keys())
    if (name !== "MANIFEST.json" && name !== "MANIFEST.json.jws" && !listed.has(name))
      check(`file ${name}`, false, "is in the ZIP but not in the signed manifest (added after signing)");
  for (const f of manifest.files) {
    const content = entries.get(f.name);
    if (!content) check(`file ${f.name}`, false, "is listed in the manifest but missing from the ZIP");
    else if (sha256(content) !== f.sha256 || content.length !== f.bytes)
      check(`file ${f.name}`, false, "its SHA-256 or size differs from the signed manifest (changed after signing)");
  }
  if (checks.every((c) => c.ok)) check("files", true, `${manifest.files.length} files match the signed manifest`);

  // 2. The certificate in the package is the one that signed it (it is never trusted for being there).
  const pem = entries.get("signing-certificate.pem");
  if (pem) {
    try {
      const certFp = sha256(new X509Certificate(pem).raw);
      check(
        "certificate",
        certFp === fp,
        certFp === fp ? `SHA-256 ${certFp}` : "signing-certificate.pem is not the certificate that signed the manifest",
      );
    } catch {
      check("certificate", false, "signing-certificate.pem is not a certificate");
    }
  }

  // 3. The report files' own signatures, by the same signer as the manifest.
  const trustFp = trustedFingerprint ?? fp ?? undefined;
  const sameSigner = (what: string, r: { verdict: Verdict; reason: string; signerFingerprint: string | null }) =>
    check(
      what,
      r.verdict !== "invalid" && r.signerFingerprint === fp,
      r.verdict === "invalid" ? r.reason : r.signerFingerprint === fp ? r.reason : "signed by another certificate",
    );
  const named = (suffix: string) => manifest.files.find((f) => f.name.endsWith(`-${suffix}`))?.name;
  const pdfName = named("report.pdf");
  if (check("report.pdf", Boolean(pdfName && entries.get(pdfName)), "present"))
    sameSigner(
      "report.pdf signature",
      verifyPdf(entries.get(pdfName!)!, trustFp, { tsaFingerprint: o.tsaFingerprint }),
    );
  for (const file of ["report.csv", "report.json"]) {
    const name = named(file);
    const jws = name ? entries.get(`${name}.jws`) : undefined;
    if (check(file, Boolean(name && entries.get(name) && jws), "present with its manifest"))
      sameSigner(`${file} manifest`, await verifyManifest(entries.get(name!)!, jws!.toString("utf8"), name!, trustFp));
  }

  // 4. The audit excerpt, anchored by the signed checkpoint.
  const chainText = entries.get("audit/chain.jsonl")?.toString("utf8") ?? "";
  const cp = entries.get("audit/checkpoint.jws")?.toString("utf8");
  const rows: StoredRow[] = [];
  try {
    for (const line of chainText.split("\n")) if (line) rows.push(JSON.parse(line) as StoredRow);
  } catch {
    check("audit excerpt", false, "audit/chain.jsonl is not JSON lines");
  }
  let chainOk = rows.length > 0 && rows[0]!.seq === manifest.chain?.from;
  if (!chainOk) check("audit excerpt", false, "the excerpt is empty or does not start where the manifest says");
  let prev: StoredRow | null = null;
  for (const r of chainOk ? rows : []) {
    let ok = false;
    try {
      ok = chainHash(r.prevHash, fieldsOf({ ...r, at: new Date(r.at) })) === r.hash;
    } catch {
      ok = false;
    }
    if (!ok) {
      chainOk = check("audit excerpt", false, `event ${r.seq} (${r.action}) does not match its hash: it was edited`);
      break;
    }
    if (prev && (r.seq !== prev.seq + 1 || r.prevHash !== prev.hash)) {
      chainOk = check(
        "audit excerpt",
        false,
        r.seq !== prev.seq + 1
          ? `events ${prev.seq + 1}–${r.seq - 1} are missing`
          : `event ${r.seq} does not link to event ${prev.seq}`,
      );
      break;
    }
    if (!prev && r.seq === 1 && r.prevHash !== GENESIS_HASH) {
      chainOk = check("audit excerpt", false, "event 1 does not start from the genesis hash");
      break;
    }
    prev = r;
  }
  const last = rows[rows.length - 1];
  if (chainOk) {
    const k = cp && fp ? await checkCheckpoint(cp, fp) : ({ ok: false, reason: "missing" } as const);
    if (!k.ok) check("checkpoint", false, `audit/checkpoint.jws: ${k.reason}`);
    else if (k.payload.seq !== last!.seq || k.payload.hash !== last!.hash)
      check(
        "checkpoint",
        false,
        `the signed checkpoint names event ${k.payload.seq}, the excerpt ends at ${last!.seq}: the excerpt was cut or extended`,
      );
    else
      check(
        "audit excerpt",
        true,
        `events ${rows[0]!.seq}–${last!.seq} link and end at the signed checkpoint of ${k.payload.at}`,
      );
  }

  // 5. The chain says this campaign closed, and froze exactly these files.
  if (chainOk) {
    const mine = rows.filter((r) => r.targetType === "campaign" && r.targetId === manifest.campaignId);
    check(
      "campaign close in the chain",
      mine.some((r) => r.action === "campaign.close"),
      "the excerpt records the campaign's close",
    );
    const freeze = mine
      .filter((r) => r.action === "report.freeze")
      .map((r) => JSON.parse(r.after ?? "{}") as { stage?: string; files?: Record<string, string> })
      .find((a) => a.stage === manifest.stage);
    const mismatched = freeze?.files
      ? Object.entries(freeze.files).filter(([file, hash]) => {
          const name = named(file);
          return !name || sha256(entries.get(name) ?? Buffer.alloc(0)) !== hash;
        })
      : null;
    check(
      "frozen files in the chain",
      Boolean(mismatched && mismatched.length === 0),
      !freeze
        ? `the excerpt has no report.freeze event for the ${manifest.stage} stage`
        : mismatched!.length
          ? `${mismatched!.map(([f]) => f).join(", ")} differ from the SHA-256 the audit chain recorded when they were frozen`
          : `the report files are the ones frozen at the ${manifest.stage} stage`,
    );
  }
  return result(base);
}
