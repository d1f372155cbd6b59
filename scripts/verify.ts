/**
 * `npm run verify -- <file> [--manifest <file.jws>] [--cert <pem> | --fingerprint <sha-256 hex>]`: verifies a Recert
 * report or evidence package offline. PDFs carry their signature; CSV/JSON need their manifest (default: <file>.jws
 * beside it); an evidence package (ZIP) carries everything and every check inside it is listed.
 * The signer must be the trusted certificate: the one given (the PEM from /api/report-certificate, or its SHA-256),
 * else this installation's own when run beside it. A correct signature by any other certificate is "signature
 * intact, signer not trusted". Exit 0 valid, 1 invalid, 2 usage/unreadable, 3 intact but signer not trusted.
 */
import { createHash, X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { verifyManifest, verifyPdf } from "../lib/reports/verify";
import { isZip, verifyPackage } from "../lib/reports/verify-package";
import { signingIdentity } from "../lib/signing/identity";

/** Prints a line with control characters shown as "?": names inside files cannot drive the terminal. */
function say(line: string): void {
  let out = "";
  for (const ch of line) {
    const c = ch.codePointAt(0)!;
    out += (c < 0x20 && ch !== "\n" && ch !== "\t") || (c >= 0x7f && c <= 0x9f) ? "?" : ch;
  }
  console.log(out);
}

async function main(argv: string[]): Promise<number> {
  let file: string | undefined;
  let manifest: string | undefined;
  let cert: string | undefined;
  let fingerprint: string | undefined;
  // The time-stamp authority trusted for B-T reports: given, else this installation's REPORT_TSA_FINGERPRINT.
  let tsaFingerprint: string | undefined = process.env.REPORT_TSA_FINGERPRINT?.trim() || undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--manifest") manifest = argv[++i];
    else if (argv[i] === "--cert") cert = argv[++i];
    else if (argv[i] === "--fingerprint") fingerprint = argv[++i];
    else if (argv[i] === "--tsa-fingerprint") tsaFingerprint = argv[++i];
    else if (!file && !argv[i]!.startsWith("--")) file = argv[i];
    else {
      console.error(`unknown argument ${argv[i]}`);
      file = undefined;
      break;
    }
  }
  if (!file) {
    console.error(
      "usage: npm run verify -- <report.pdf|report.csv|report.json|evidence.zip> [--manifest <file.jws>] [--cert <certificate.pem> | --fingerprint <sha-256 hex>] [--tsa-fingerprint <sha-256 hex>]",
    );
    return 2;
  }
  if (!existsSync(file)) {
    console.error(`${file}: no such file`);
    return 2;
  }
  if (fingerprint && !/^([0-9a-f]{2}:?){32}$/i.test(fingerprint)) {
    console.error("--fingerprint takes the certificate's SHA-256 in hex (64 digits, colons allowed)");
    return 2;
  }
  const trust = cert
    ? {
        fp: createHash("sha256")
          .update(new X509Certificate(readFileSync(cert)).raw)
          .digest("hex"),
        from: cert,
      }
    : fingerprint
      ? { fp: fingerprint.replace(/:/g, "").toLowerCase(), from: "--fingerprint" }
      : installationCertificate();
  const pinned = trust?.fp;
  const content = readFileSync(file);
  let r: Pick<
    ReturnType<typeof verifyPdf>,
    "verdict" | "reason" | "signer" | "signerFingerprint" | "trusted" | "profile" | "timestamp"
  > & {
    signingTime?: string | null;
    campaignId: string | null;
  };
  if (isZip(content)) {
    const p = await verifyPackage(content, pinned, { tsaFingerprint });
    for (const c of p.checks) say(`${c.ok ? "ok  " : "FAIL"}  ${c.name}: ${c.detail}`);
    r = p;
  } else if (content.subarray(0, 5).toString("latin1") === "%PDF-") r = verifyPdf(content, pinned, { tsaFingerprint });
  else {
    const m = manifest ?? `${file}.jws`;
    if (!existsSync(m)) {
      console.error(`${file} is not a PDF: give its manifest with --manifest (looked for ${m})`);
      return 2;
    }
    r = await verifyManifest(content, readFileSync(m, "utf8"), file, pinned);
  }
  say(`${{ valid: "VALID", untrusted: "UNTRUSTED", invalid: "INVALID" }[r.verdict]}: ${r.reason}`);
  if (r.signer)
    say(
      `signer:      ${r.signer}\ncertificate: SHA-256 ${r.signerFingerprint}${trust ? (r.trusted ? ` (trusted: matches ${trust.from})` : ` (NOT the trusted certificate from ${trust.from})`) : " (no trusted certificate given: --cert or --fingerprint)"}`,
    );
  if (r.signingTime) say(`signed at:   ${r.signingTime}`);
  if (r.profile) say(`profile:     ${r.profile}`);
  if (r.timestamp)
    say(
      `time-stamp:  ${r.timestamp.at} by ${r.timestamp.tsa} (SHA-256 ${r.timestamp.tsaFingerprint}; ${r.timestamp.trusted ? "the trusted authority" : "NOT a trusted authority (--tsa-fingerprint): its time proves nothing"})`,
    );
  if (r.campaignId) say(`campaign:    ${r.campaignId}`);
  return r.verdict === "valid" ? 0 : r.verdict === "untrusted" ? 3 : 1;
}

/**
 * Run beside an installation: its own certificate (REPORT_SIGNING_P12, or the one generated into data/). Never
 * generates one: an auditor's machine without it must name the certificate it trusts.
 */
function installationCertificate(): { fp: string; from: string } | undefined {
  try {
    const configured = process.env.REPORT_SIGNING_P12;
    if (!configured && !existsSync(path.join(process.cwd(), "data", "report-signing.p12"))) return undefined;
    return { fp: signingIdentity().fingerprint, from: configured ?? "this installation (data/report-signing.p12)" };
  } catch {
    return undefined;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
