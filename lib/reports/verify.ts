/**
 * Offline verification of Recert reports, for the /verify page and `npm run verify`:
 * - PDF: the ByteRange must cover the whole file except the signature's hex, the CMS messageDigest must equal
 *   the SHA-256 of those bytes, and the signature over the signed attributes must verify with the certificate.
 * - CSV/JSON: the manifest JWS must verify with its x5c certificate and name the file's SHA-256 and size.
 * Three verdicts (#17). "valid" only when the signature is intact AND the signer is the certificate the verifier
 * trusts (the installation's, or one given by fingerprint). A correct signature by anyone else, including a
 * self-signed certificate that copies Recert's name, is "untrusted": intact, but proving nothing about who made it.
 * Everything else is "invalid". A PDF with more than one signature had an update appended after Recert signed it.
 */
import { X509Certificate, createHash } from "node:crypto";
import { compactVerify, decodeProtectedHeader, importX509 } from "jose";
import forge from "node-forge";
import type { ManifestPayload } from "./exports";
import { essNamesCertificate, OID, verifyTimestampToken } from "@/lib/signing/cms";

export type Verdict = "valid" | "untrusted" | "invalid";

export interface VerifyResult {
  /** True only for "valid": intact and signed by the trusted certificate. */
  valid: boolean;
  verdict: Verdict;
  kind: "pdf" | "manifest";
  reason: string;
  signer: string | null;
  signerFingerprint: string | null;
  signingTime: string | null;
  campaignId: string | null;
  /** Whether the signer is the trusted certificate; null when no signer could be read. */
  trusted: boolean | null;
  /** PDFs: "PAdES B-B", "PAdES B-T" (time-stamped) or "CMS (adbe.pkcs7.detached)" for reports signed before PAdES. */
  profile?: string;
  /**
   * PDFs with a time-stamp (B-T): when, by which authority, and whether that authority is the trusted one (its
   * certificate's SHA-256 given as `tsaFingerprint`). An untrusted time-stamp proves nothing about the time: anyone
   * can add one to a signature (it is an unsigned attribute).
   */
  timestamp?: { at: string; tsa: string; tsaFingerprint: string; trusted: boolean } | null;
}

const invalid = (kind: VerifyResult["kind"], reason: string, extra: Partial<VerifyResult> = {}): VerifyResult => ({
  valid: false,
  verdict: "invalid",
  kind,
  reason,
  signer: null,
  signerFingerprint: null,
  signingTime: null,
  campaignId: null,
  trusted: null,
  ...extra,
});

/** A signature that verifies: valid when its signer is the trusted one, otherwise intact but untrusted. */
function intact(
  kind: VerifyResult["kind"],
  what: string,
  fingerprint: string,
  trustedFingerprint: string | undefined,
  extra: Omit<VerifyResult, "valid" | "verdict" | "kind" | "reason" | "trusted">,
): VerifyResult {
  const trusted = Boolean(trustedFingerprint) && trustedFingerprint!.toLowerCase().replace(/:/g, "") === fingerprint;
  if (trusted) return { valid: true, verdict: "valid", kind, reason: what, ...extra, trusted: true };
  return {
    valid: false,
    verdict: "untrusted",
    kind,
    reason: trustedFingerprint
      ? `Signature intact, signer not trusted: ${what.replace(/\.$/, "")}, but by a certificate (SHA-256 ${fingerprint}) that is not this installation's. Its name proves nothing; anyone can make a certificate with any name.`
      : `Signature intact, signer not trusted: ${what.replace(/\.$/, "")}, but no trusted certificate was given to compare the signer with (--cert or --fingerprint).`,
    ...extra,
    trusted: false,
  };
}

function campaignFromPdf(text: string): string | null {
  const plain = /recert-campaign:([0-9a-f-]{36})/i.exec(text);
  if (plain) return plain[1]!;
  for (const m of text.matchAll(/<FEFF([0-9A-Fa-f]+)>/g)) {
    const hex = m[1]!;
    let s = "";
    for (let i = 0; i + 3 < hex.length; i += 4) s += String.fromCharCode(parseInt(hex.slice(i, i + 4), 16));
    const hit = /recert-campaign:([0-9a-f-]{36})/i.exec(s);
    if (hit) return hit[1]!;
  }
  return null;
}

export function verifyPdf(buf: Buffer, trustedFingerprint?: string, o: { tsaFingerprint?: string } = {}): VerifyResult {
  try {
    return verifyPdfUnsafe(buf, trustedFingerprint, o);
  } catch (e) {
    // Crafted input that trips a parser is an invalid file, never a crash of the page or the CLI.
    return invalid("pdf", `The signature cannot be read: ${(e as Error).message}`);
  }
}

function verifyPdfUnsafe(
  buf: Buffer,
  trustedFingerprint: string | undefined,
  o: { tsaFingerprint?: string },
): VerifyResult {
  const text = buf.toString("latin1");
  if (!text.startsWith("%PDF-")) return invalid("pdf", "Not a PDF file.");
  const at = text.lastIndexOf("/ByteRange");
  if (at < 0) return invalid("pdf", "The PDF carries no signature.");
  // Recert signs once. A second signature means an incremental update was appended after Recert's signature (and
  // signed again, perhaps by someone else): what a reader sees is no longer what Recert signed.
  const signatures = text.split("/ByteRange").length - 1;
  if (signatures > 1)
    return invalid(
      "pdf",
      `The file has ${signatures} signatures: an update was appended after the report was signed, so what it shows is not what Recert signed.`,
    );
  const m = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(text.slice(at, at + 120));
  if (!m) return invalid("pdf", "The signature's ByteRange cannot be read.");
  const [a, b, c, d] = m.slice(1, 5).map(Number) as [number, number, number, number];
  if (a !== 0 || b <= 0 || c <= b || c + d !== buf.length)
    return invalid("pdf", "The signature does not cover the whole file (bytes were added or the range was altered).");
  const gap = text.slice(b, c);
  if (!/^<[0-9A-Fa-f]+>$/.test(gap))
    return invalid("pdf", "The signature's byte range does not exclude exactly the signature value.");
  const signed = Buffer.concat([buf.subarray(a, a + b), buf.subarray(c, c + d)]);
  const der = signatureDer(Buffer.from(gap.slice(1, -1), "hex"));
  let p7: forge.pkcs7.PkcsSignedData;
  try {
    p7 = forge.pkcs7.messageFromAsn1(
      forge.asn1.fromDer(forge.util.createBuffer(der.toString("binary")), {
        parseAllBytes: false,
      } as unknown as boolean),
    ) as forge.pkcs7.PkcsSignedData;
  } catch (e) {
    return invalid("pdf", `The signature cannot be parsed: ${(e as Error).message}`);
  }
  const cert = p7.certificates[0];
  const raw = (
    p7 as unknown as {
      rawCapture: { authenticatedAttributes?: forge.asn1.Asn1[]; signature: string; digestAlgorithm: string };
    }
  ).rawCapture;
  if (!cert || !raw?.authenticatedAttributes)
    return invalid("pdf", "The signature has no certificate or no signed attributes.");
  const certDer = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), "binary");
  const fingerprint = createHash("sha256").update(certDer).digest("hex");
  // Node's X509Certificate escapes control characters in names: a crafted name cannot rewrite a terminal's output.
  const signer = new X509Certificate(certDer).subject.replace(/\n/g, ", ");
  const base = {
    signer,
    signerFingerprint: fingerprint,
    campaignId: campaignFromPdf(text),
  };
  let messageDigest: string | null = null;
  let signingTime: string | null = null;
  let ess: forge.asn1.Asn1 | undefined;
  for (const attr of raw.authenticatedAttributes) {
    const oid = forge.asn1.derToOid((attr.value as forge.asn1.Asn1[])[0]!.value as string);
    const value = ((attr.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!;
    if (oid === forge.pki.oids.messageDigest)
      messageDigest = Buffer.from(value.value as string, "binary").toString("hex");
    if (oid === OID.signingCertificateV2) ess = value;
    if (oid === forge.pki.oids.signingTime)
      signingTime = (
        value.type === forge.asn1.Type.UTCTIME
          ? forge.asn1.utcTimeToDate(value.value as string)
          : forge.asn1.generalizedTimeToDate(value.value as string)
      ).toISOString();
  }
  if (forge.asn1.derToOid(raw.digestAlgorithm) !== forge.pki.oids.sha256)
    return invalid("pdf", "The signature does not use SHA-256.", { ...base, signingTime });
  const actual = createHash("sha256").update(signed).digest("hex");
  if (messageDigest !== actual)
    return invalid("pdf", "Digest mismatch: the file was changed after it was signed.", { ...base, signingTime });
  const attrs = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SET, true, raw.authenticatedAttributes);
  const md = forge.md.sha256.create();
  md.update(forge.asn1.toDer(attrs).getBytes());
  let ok = false;
  try {
    ok = (cert.publicKey as forge.pki.rsa.PublicKey).verify(md.digest().bytes(), raw.signature);
  } catch {
    ok = false;
  }
  if (!ok)
    return invalid("pdf", "The signature does not verify with the embedded certificate.", { ...base, signingTime });
  // PAdES (#17): the signing certificate is bound by ESS signing-certificate-v2, the claimed time is the dictionary's M.
  const dict = text.slice(Math.max(0, b - 4_000), Math.min(text.length, c + 4_000));
  const subFilter = /\/SubFilter\s*\/([A-Za-z0-9.]+)/.exec(dict)?.[1] ?? null;
  const pades = subFilter === "ETSI.CAdES.detached";
  if (ess && !essNamesCertificate(ess, certDer))
    return invalid("pdf", "The signature's signing-certificate attribute names another certificate than it carries.", {
      ...base,
      signingTime,
    });
  if (pades && !ess)
    return invalid(
      "pdf",
      "A PAdES signature must bind its certificate (ESS signing-certificate-v2); this one does not.",
      {
        ...base,
        signingTime,
      },
    );
  signingTime ??= pdfDate(/\/M\s*\(D:([^)]+)\)/.exec(dict)?.[1]);
  let timestamp: VerifyResult["timestamp"] = null;
  const token = unsignedAttribute(der, OID.signatureTimeStampToken);
  if (token) {
    try {
      const t = verifyTimestampToken(token, Buffer.from(raw.signature, "binary"));
      const tsaCert = new X509Certificate(t.certDer);
      const tsaFingerprint = createHash("sha256").update(t.certDer).digest("hex");
      timestamp = {
        at: t.genTime.toISOString(),
        tsa: tsaCert.subject.replace(/\n/g, ", "),
        tsaFingerprint,
        trusted: Boolean(o.tsaFingerprint) && o.tsaFingerprint!.toLowerCase().replace(/:/g, "") === tsaFingerprint,
      };
    } catch (e) {
      return invalid("pdf", `The signature's time-stamp does not hold: ${(e as Error).message}.`, {
        ...base,
        signingTime,
      });
    }
  }
  const profile = pades
    ? timestamp
      ? timestamp.trusted
        ? "PAdES B-T"
        : "PAdES B-T (time-stamp authority not trusted: its time proves nothing)"
      : "PAdES B-B"
    : `CMS (${subFilter ?? "unknown SubFilter"})`;
  return intact("pdf", "The signature is valid and covers the whole file.", fingerprint, trustedFingerprint, {
    ...base,
    signingTime,
    profile,
    timestamp,
  });
}

export async function verifyManifest(
  content: Buffer,
  jws: string,
  fileName?: string,
  trustedFingerprint?: string,
): Promise<VerifyResult> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws.trim());
  } catch {
    return invalid("manifest", "The manifest is not a JWS.");
  }
  const x5c = header.x5c?.[0];
  if (header.alg !== "RS256" || !x5c)
    return invalid("manifest", "The manifest must be RS256 with its certificate in x5c.");
  if (typeof x5c !== "string" || !/^[A-Za-z0-9+/=]+$/.test(x5c))
    return invalid("manifest", "The manifest's certificate (x5c) is not base64.");
  const pem = `-----BEGIN CERTIFICATE-----\n${x5c.match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return invalid("manifest", "The manifest's certificate (x5c) is not a certificate.");
  }
  const fingerprint = createHash("sha256").update(cert.raw).digest("hex");
  const base = { signer: cert.subject.replace(/\n/g, ", "), signerFingerprint: fingerprint };
  let payload: ManifestPayload;
  try {
    const r = await compactVerify(jws.trim(), await importX509(pem, "RS256"));
    payload = JSON.parse(new TextDecoder().decode(r.payload)) as ManifestPayload;
  } catch {
    return invalid("manifest", "The manifest's signature does not verify.", base);
  }
  const extra = { ...base, signingTime: payload.signedAt, campaignId: payload.campaignId };
  const sha = createHash("sha256").update(content).digest("hex");
  if (sha !== payload.sha256 || content.length !== payload.bytes)
    return invalid("manifest", "Digest mismatch: the file was changed after it was signed.", extra);
  if (fileName && payload.file !== fileName.split(/[\\/]/).pop())
    return invalid("manifest", `The manifest is for ${payload.file}, not ${fileName}.`, extra);
  return intact(
    "manifest",
    `The manifest is valid and matches ${payload.file}.`,
    fingerprint,
    trustedFingerprint,
    extra,
  );
}

/** A PDF date (D:YYYYMMDDHHmmSS+HH'mm' or Z) as ISO 8601; null when absent or unreadable. */
function pdfDate(s: string | undefined): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:([Zz])|([+-])(\d{2})'?(\d{2})'?)?/.exec(s ?? "");
  if (!m) return null;
  const offset = m[8] ? `${m[8]}${m[9]}:${m[10]}` : "Z";
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${offset}`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The first value of an unsigned attribute of the first signer of a CMS ContentInfo (DER), as DER; or null. */
function unsignedAttribute(cmsDer: Buffer, type: string): Buffer | null {
  try {
    const ci = forge.asn1.fromDer(forge.util.createBuffer(cmsDer.toString("binary"))).value as forge.asn1.Asn1[];
    const sd = (ci[1]!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
    const signer = ((sd[sd.length - 1]!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[]) ?? [];
    const unsigned = signer.find((f) => f.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && f.type === 1);
    for (const a of (unsigned?.value as forge.asn1.Asn1[]) ?? []) {
      const v = a.value as forge.asn1.Asn1[];
      if (forge.asn1.derToOid(v[0]!.value as string) === type)
        return Buffer.from(forge.asn1.toDer((v[1]!.value as forge.asn1.Asn1[])[0]!).getBytes(), "binary");
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * The CMS signature in a PDF's /Contents, without the zero padding after it: exactly as long as its own DER
 * header says. (Stripping trailing zero bytes instead cuts a signature whose last byte is 0x00, one in 256.)
 */
export function signatureDer(contents: Buffer): Buffer {
  if (contents.length < 2 || contents[0] !== 0x30) return contents;
  const first = contents[1]!;
  let header = 2;
  let length = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n < 1 || n > 4 || contents.length < 2 + n) return contents;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + contents[2 + i]!;
    header = 2 + n;
  }
  return contents.subarray(0, Math.min(contents.length, header + length));
}
