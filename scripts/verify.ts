/**
 * `npm run verify -- <file> [--manifest <file.jws>] [--cert <pem>]`: verifies a Recert report offline.
 * PDFs carry their signature; CSV/JSON need their manifest (default: <file>.jws beside it).
 * --cert pins the signer (the PEM from /api/report-certificate). Exit 0 valid, 1 invalid, 2 usage/unreadable.
 */
import { createHash, X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { verifyManifest, verifyPdf } from "../lib/reports/verify";

async function main(argv: string[]): Promise<number> {
  let file: string | undefined;
  let manifest: string | undefined;
  let cert: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--manifest") manifest = argv[++i];
    else if (argv[i] === "--cert") cert = argv[++i];
    else if (!file && !argv[i]!.startsWith("--")) file = argv[i];
    else {
      console.error(`unknown argument ${argv[i]}`);
      file = undefined;
      break;
    }
  }
  if (!file) {
    console.error(
      "usage: npm run verify -- <report.pdf|report.csv|report.json> [--manifest <file.jws>] [--cert <certificate.pem>]",
    );
    return 2;
  }
  if (!existsSync(file)) {
    console.error(`${file}: no such file`);
    return 2;
  }
  const pinned = cert
    ? createHash("sha256")
        .update(new X509Certificate(readFileSync(cert)).raw)
        .digest("hex")
    : undefined;
  const content = readFileSync(file);
  let r: ReturnType<typeof verifyPdf>;
  if (content.subarray(0, 5).toString("latin1") === "%PDF-") r = verifyPdf(content, pinned);
  else {
    const m = manifest ?? `${file}.jws`;
    if (!existsSync(m)) {
      console.error(`${file} is not a PDF: give its manifest with --manifest (looked for ${m})`);
      return 2;
    }
    r = await verifyManifest(content, readFileSync(m, "utf8"), file, pinned);
  }
  console.log(`${r.valid ? "VALID" : "INVALID"}: ${r.reason}`);
  if (r.signer)
    console.log(
      `signer:      ${r.signer}\ncertificate: SHA-256 ${r.signerFingerprint}${r.trusted === null ? " (not pinned: pass --cert to pin it)" : r.trusted ? " (pinned: matches)" : " (pinned: DOES NOT match)"}`,
    );
  if (r.signingTime) console.log(`signed at:   ${r.signingTime}`);
  if (r.campaignId) console.log(`campaign:    ${r.campaignId}`);
  return r.valid ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
