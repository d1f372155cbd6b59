/**
 * CMS SignedData as PAdES baseline wants it (#17), built here with node-forge's ASN.1 and Node's RSA rather than
 * forge's PKCS#7 signer, which can add neither the ESS signing-certificate-v2 attribute nor unsigned attributes.
 *
 * PAdES B-B (ETSI EN 319 142-1, built on CAdES, ETSI EN 319 122-1): a detached signature (SubFilter
 * ETSI.CAdES.detached) whose signed attributes are content-type, message-digest and ESS signing-certificate-v2
 * (RFC 5035: the SHA-256 of the signer's certificate, so the certificate cannot be swapped for another with the same
 * key); the signing-time attribute is left out, the claimed time being the signature dictionary's M entry.
 * PAdES B-T adds an RFC 3161 time-stamp token over the signature value as the unsigned attribute
 * id-aa-signatureTimeStampToken (RFC 3161 appendix A).
 *
 * The same builder makes a time-stamp token (encapsulated TSTInfo) for the test responder (tests/support/tsa.ts).
 */
import { createHash, createSign, X509Certificate } from "node:crypto";
import forge from "node-forge";

const { asn1 } = forge;
const T = asn1.Type;
const C = asn1.Class;

export const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  sha256: "2.16.840.1.101.3.4.2.1",
  rsaEncryption: "1.2.840.113549.1.1.1",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  signatureTimeStampToken: "1.2.840.113549.1.9.16.2.14",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
} as const;

type Asn1 = forge.asn1.Asn1;
const seq = (v: Asn1[]) => asn1.create(C.UNIVERSAL, T.SEQUENCE, true, v);
const set = (v: Asn1[]) => asn1.create(C.UNIVERSAL, T.SET, true, v);
const oid = (o: string) => asn1.create(C.UNIVERSAL, T.OID, false, asn1.oidToDer(o).getBytes());
const octets = (b: Buffer) => asn1.create(C.UNIVERSAL, T.OCTETSTRING, false, b.toString("binary"));
const int = (n: number) => asn1.create(C.UNIVERSAL, T.INTEGER, false, asn1.integerToDer(n).getBytes());
const nul = () => asn1.create(C.UNIVERSAL, T.NULL, false, "");
const der = (a: Asn1) => Buffer.from(asn1.toDer(a).getBytes(), "binary");
const fromDer = (b: Buffer) => asn1.fromDer(forge.util.createBuffer(b.toString("binary")));
const sha256AlgId = () => seq([oid(OID.sha256)]);
const attribute = (type: string, value: Asn1) => seq([oid(type), set([value])]);

export interface CmsSigner {
  /** The signer's certificate, DER. */
  certDer: Buffer;
  privateKeyPem: string;
}

/** ESS signing-certificate-v2 (RFC 5035): SHA-256 of the certificate (the default algorithm, so not written). */
function signingCertificateV2(certDer: Buffer): Asn1 {
  const cert = fromDer(certDer);
  const tbs = (cert.value as Asn1[])[0]!;
  const tbsFields = tbs.value as Asn1[];
  const hasVersion = tbsFields[0]!.tagClass === C.CONTEXT_SPECIFIC;
  const serial = tbsFields[hasVersion ? 1 : 0]!;
  const issuer = tbsFields[hasVersion ? 3 : 2]!;
  const issuerSerial = seq([seq([asn1.create(C.CONTEXT_SPECIFIC, 4, true, [issuer])]), serial]);
  const essCertIdV2 = seq([octets(createHash("sha256").update(certDer).digest()), issuerSerial]);
  return seq([seq([essCertIdV2])]);
}

/** issuerAndSerialNumber of a certificate. */
function sid(certDer: Buffer): Asn1 {
  const tbsFields = ((fromDer(certDer).value as Asn1[])[0]!.value as Asn1[]) ?? [];
  const hasVersion = tbsFields[0]!.tagClass === C.CONTEXT_SPECIFIC;
  return seq([tbsFields[hasVersion ? 3 : 2]!, tbsFields[hasVersion ? 1 : 0]!]);
}

export interface SignedDataOptions {
  signer: CmsSigner;
  /** The content type signed: id-data for a PDF's byte range, id-ct-TSTInfo for a time-stamp token. */
  contentType?: string;
  /** The content's SHA-256 (detached), or the content itself to encapsulate (eContent). */
  digest?: Buffer;
  encapsulate?: Buffer;
  /** Extra certificates to carry (none for Recert's own signatures). */
  unsignedAttributes?: (signature: Buffer) => Promise<Asn1[]>;
}

/** A ContentInfo holding SignedData, DER. */
export async function signedData(o: SignedDataOptions): Promise<Buffer> {
  const contentType = o.contentType ?? OID.data;
  const digest = o.encapsulate ? createHash("sha256").update(o.encapsulate).digest() : o.digest;
  if (!digest) throw new Error("signedData: give the content's digest or the content");
  const signedAttrs = [
    attribute(OID.contentType, oid(contentType)),
    attribute(OID.messageDigest, octets(digest)),
    attribute(OID.signingCertificateV2, signingCertificateV2(o.signer.certDer)),
  ];
  // The signature is over the DER of the attributes as a SET (RFC 5652 5.4), not their [0] IMPLICIT form.
  const signature = createSign("sha256")
    .update(der(set(signedAttrs)))
    .sign(o.signer.privateKeyPem);
  const signerInfo: Asn1[] = [
    int(1),
    sid(o.signer.certDer),
    sha256AlgId(),
    asn1.create(C.CONTEXT_SPECIFIC, 0, true, signedAttrs),
    seq([oid(OID.rsaEncryption), nul()]),
    octets(signature),
  ];
  const unsigned = o.unsignedAttributes ? await o.unsignedAttributes(signature) : [];
  if (unsigned.length) signerInfo.push(asn1.create(C.CONTEXT_SPECIFIC, 1, true, unsigned));
  const encap: Asn1[] = [oid(contentType)];
  if (o.encapsulate) encap.push(asn1.create(C.CONTEXT_SPECIFIC, 0, true, [octets(o.encapsulate)]));
  const sd = seq([
    int(contentType === OID.data ? 1 : 3),
    set([sha256AlgId()]),
    seq(encap),
    asn1.create(C.CONTEXT_SPECIFIC, 0, true, [fromDer(o.signer.certDer)]),
    set([seq(signerInfo)]),
  ]);
  return der(seq([oid(OID.signedData), asn1.create(C.CONTEXT_SPECIFIC, 0, true, [sd])]));
}

export class TimestampError extends Error {
  override readonly name = "TimestampError";
}

/** RFC 3161 TimeStampReq for a SHA-256 imprint, with a nonce and certReq (the TSA's certificate in the token). */
export function timestampRequest(imprint: Buffer, nonce: Buffer): Buffer {
  // A DER INTEGER is minimal and signed: the nonce's first byte is kept in 01..7F (no sign byte, no leading zero).
  if (nonce.length === 0 || nonce[0]! < 0x01 || nonce[0]! > 0x7f) throw new TimestampError("bad nonce");
  return der(
    seq([
      int(1),
      seq([sha256AlgId(), octets(imprint)]),
      asn1.create(C.UNIVERSAL, T.INTEGER, false, nonce.toString("binary")),
      asn1.create(C.UNIVERSAL, T.BOOLEAN, false, String.fromCharCode(0xff)),
    ]),
  );
}

/**
 * Asks a time-stamp authority (RFC 3161 section 3.4: POST application/timestamp-query) for a token over `imprint`
 * and returns the token (ContentInfo, DER) after checking the response grants it for this imprint and nonce.
 */
export async function fetchTimestamp(url: string, imprint: Buffer, timeoutMs = 15_000): Promise<Buffer> {
  const nonce = Buffer.from(forge.random.getBytesSync(8), "binary");
  nonce[0] = (nonce[0]! & 0x7f) | 0x01; // a positive INTEGER with no leading zero byte (DER)
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/timestamp-query", accept: "application/timestamp-reply" },
      body: new Uint8Array(timestampRequest(imprint, nonce)),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new TimestampError(`The time-stamp authority ${url} cannot be reached: ${(e as Error).message}`);
  }
  if (!res.ok) throw new TimestampError(`The time-stamp authority ${url} answered HTTP ${res.status}.`);
  const body = Buffer.from(await res.arrayBuffer());
  let resp: Asn1[];
  try {
    resp = fromDer(body).value as Asn1[];
  } catch {
    throw new TimestampError(`The time-stamp authority ${url} did not answer with a TimeStampResp.`);
  }
  const status = asn1.derToInteger(((resp[0]!.value as Asn1[])[0]!.value as string) || "\x00");
  if ((status !== 0 && status !== 1) || !resp[1])
    throw new TimestampError(`The time-stamp authority ${url} refused the request (PKIStatus ${status}).`);
  const token = der(resp[1]);
  const info = readTimestampToken(token);
  if (!info.imprint.equals(imprint)) throw new TimestampError("The time-stamp token is for other data.");
  // A TSA must echo the request's nonce (RFC 3161 2.4.2): compared as integers, without leading zero bytes.
  if (!info.nonce?.equals(stripZeros(nonce)))
    throw new TimestampError("The time-stamp token answers another request (nonce).");
  return token;
}

function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

export interface TimestampInfo {
  imprint: Buffer;
  genTime: Date;
  nonce: Buffer | null;
  /** The TSTInfo, DER: what the token's messageDigest covers. */
  tstInfo: Buffer;
  signedAttrs: Asn1[];
  signature: Buffer;
  certDer: Buffer | null;
}

/** Reads a time-stamp token (ContentInfo → SignedData → TSTInfo), without judging it (see verifyTimestampToken). */
export function readTimestampToken(token: Buffer): TimestampInfo {
  const ci = fromDer(token).value as Asn1[];
  if (asn1.derToOid(ci[0]!.value as string) !== OID.signedData) throw new TimestampError("not a SignedData token");
  const sd = ((ci[1]!.value as Asn1[])[0]!.value as Asn1[]) ?? [];
  const encap = sd[2]!.value as Asn1[];
  if (asn1.derToOid(encap[0]!.value as string) !== OID.tstInfo) throw new TimestampError("the token holds no TSTInfo");
  const tstOctets = (encap[1]!.value as Asn1[])[0]!;
  const tstInfo = Buffer.from(
    typeof tstOctets.value === "string" ? tstOctets.value : asn1.toDer(tstOctets).getBytes(),
    "binary",
  );
  const tst = fromDer(tstInfo).value as Asn1[];
  const imprint = Buffer.from(((tst[2]!.value as Asn1[])[1]!.value as string) ?? "", "binary");
  const genTime = asn1.generalizedTimeToDate(tst[4]!.value as string);
  const nonceField = tst.slice(5).find((f) => f.tagClass === C.UNIVERSAL && f.type === T.INTEGER);
  const nonce = nonceField ? stripZeros(Buffer.from(nonceField.value as string, "binary")) : null;
  const certs = sd.find((f) => f.tagClass === C.CONTEXT_SPECIFIC && f.type === 0);
  const certDer = certs ? der((certs.value as Asn1[])[0]!) : null;
  const signerInfo = ((sd[sd.length - 1]!.value as Asn1[])[0]!.value as Asn1[]) ?? [];
  const signedAttrs = (signerInfo.find((f) => f.tagClass === C.CONTEXT_SPECIFIC && f.type === 0)?.value ??
    []) as Asn1[];
  const sigField = signerInfo.find((f) => f.tagClass === C.UNIVERSAL && f.type === T.OCTETSTRING)!;
  return {
    imprint,
    genTime,
    nonce,
    tstInfo,
    signedAttrs,
    signature: Buffer.from(sigField.value as string, "binary"),
    certDer,
  };
}

/** The value of a signed attribute (first of its SET), or undefined. */
export function attributeValue(attrs: Asn1[], type: string): Asn1 | undefined {
  for (const a of attrs) {
    const v = a.value as Asn1[];
    if (asn1.derToOid(v[0]!.value as string) === type) return (v[1]!.value as Asn1[])[0];
  }
  return undefined;
}

/** Whether a signing-certificate-v2 attribute names this certificate (by its SHA-256). */
export function essNamesCertificate(value: Asn1, certDer: Buffer): boolean {
  const first = ((value.value as Asn1[])[0]!.value as Asn1[])[0]!; // certs[0]: ESSCertIDv2
  const fields = first.value as Asn1[];
  const explicitAlg = fields[0]!.type === T.SEQUENCE;
  if (explicitAlg && asn1.derToOid((fields[0]!.value as Asn1[])[0]!.value as string) !== OID.sha256) return false;
  const hash = Buffer.from(fields[explicitAlg ? 1 : 0]!.value as string, "binary");
  return hash.equals(createHash("sha256").update(certDer).digest());
}

/**
 * Checks a time-stamp token against the signature it stamps: the imprint is the SHA-256 of that signature value, the
 * token's message digest is the TSTInfo's, and the TSA's signature over its attributes verifies with its certificate.
 * Returns the time and the TSA's certificate; throws TimestampError otherwise.
 */
export function verifyTimestampToken(token: Buffer, signatureValue: Buffer): { genTime: Date; certDer: Buffer } {
  const t = readTimestampToken(token);
  if (!t.imprint.equals(createHash("sha256").update(signatureValue).digest()))
    throw new TimestampError("the time-stamp is for another signature");
  const md = attributeValue(t.signedAttrs, OID.messageDigest);
  if (!md || !Buffer.from(md.value as string, "binary").equals(createHash("sha256").update(t.tstInfo).digest()))
    throw new TimestampError("the time-stamp token's digest does not match its content");
  if (!t.certDer) throw new TimestampError("the time-stamp token carries no certificate");
  const ess = attributeValue(t.signedAttrs, OID.signingCertificateV2);
  if (ess && !essNamesCertificate(ess, t.certDer))
    throw new TimestampError("the time-stamp token names another certificate than it carries");
  const cert = forge.pki.certificateFromAsn1(fromDer(t.certDer));
  const digest = forge.md.sha256.create();
  digest.update(asn1.toDer(set(t.signedAttrs)).getBytes());
  let ok = false;
  try {
    ok = (cert.publicKey as forge.pki.rsa.PublicKey).verify(digest.digest().bytes(), t.signature.toString("binary"));
  } catch {
    ok = false;
  }
  if (!ok) throw new TimestampError("the time-stamp authority's signature does not verify");
  // RFC 3161 2.3: a TSA's certificate has the timeStamping extended key usage (only), and the time is inside its validity.
  const x509 = new X509Certificate(t.certDer);
  if (!x509.keyUsage?.includes("1.3.6.1.5.5.7.3.8"))
    throw new TimestampError("the time-stamp's certificate is not for time-stamping (no timeStamping key usage)");
  if (t.genTime < new Date(x509.validFrom) || t.genTime > new Date(x509.validTo))
    throw new TimestampError("the time-stamp's time is outside its certificate's validity");
  return { genTime: t.genTime, certDer: t.certDer };
}

export const cms = { seq, set, oid, octets, int, der, fromDer, attribute, sha256AlgId };
