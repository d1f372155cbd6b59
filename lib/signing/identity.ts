/**
 * The report-signing identity: a PKCS#12 file from REPORT_SIGNING_P12 (+ passphrase), or, when unset, a
 * self-signed certificate generated once into data/report-signing.p12 (passphrase beside it, mode 0600)
 * and reused, so every report of an installation carries the same signer. Generation survives being killed
 * halfway and several processes asking at once (see generateOnce).
 */
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import forge from "node-forge";

export interface SigningIdentity {
  p12: Buffer;
  passphrase: string;
  certPem: string;
  certDerB64: string;
  privateKeyPem: string;
  subject: string;
  /** SHA-256 of the certificate (DER), hex: what verifiers compare. */
  fingerprint: string;
  source: "configured" | "generated";
}

export class SigningConfigError extends Error {
  override readonly name = "SigningConfigError";
}

const cache = new Map<string, SigningIdentity>();

/** An identity from PKCS#12 bytes (tests make foreign signers this way). */
export function identityFromP12(p12: Buffer, passphrase: string): SigningIdentity {
  return fromP12(p12, passphrase, "configured");
}

function fromP12(p12: Buffer, passphrase: string, source: SigningIdentity["source"]): SigningIdentity {
  let parsed: forge.pkcs12.Pkcs12Pfx;
  try {
    parsed = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12.toString("binary")), passphrase);
  } catch (e) {
    throw new SigningConfigError(
      `The report-signing PKCS#12 cannot be opened (wrong passphrase or not a PKCS#12 file): ${(e as Error).message}`,
    );
  }
  const oids = forge.pki.oids as Record<string, string>;
  const bag = (type: string) => parsed.getBags({ bagType: type })[type]?.[0];
  const cert = bag(oids.certBag!)?.cert;
  const key = (bag(oids.pkcs8ShroudedKeyBag!) ?? bag(oids.keyBag!))?.key;
  if (!cert || !key)
    throw new SigningConfigError("The report-signing PKCS#12 must hold one certificate and its private key.");
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), "binary");
  return {
    p12,
    passphrase,
    certPem: forge.pki.certificateToPem(cert),
    certDerB64: der.toString("base64"),
    privateKeyPem: forge.pki.privateKeyToPem(key as forge.pki.rsa.PrivateKey),
    subject: cert.subject.attributes
      .map((a: forge.pki.CertificateField) => `${a.shortName}=${String(a.value)}`)
      .join(", "),
    fingerprint: createHash("sha256").update(der).digest("hex"),
    source,
  };
}

/** Generates a self-signed RSA-3072 signing certificate (ten years) as a PKCS#12. */
export function generateSelfSigned(commonName = "Recert report signing (self-signed)"): {
  p12: Buffer;
  passphrase: string;
} {
  // Native key generation (node-forge's pure-JS RSA takes seconds), then into forge for the certificate.
  const native = generateKeyPairSync("rsa", {
    modulusLength: 3072,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const keys = {
    privateKey: forge.pki.privateKeyFromPem(native.privateKey),
    publicKey: forge.pki.publicKeyFromPem(native.publicKey),
  };
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${randomBytes(15).toString("hex")}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 86_400_000);
  const attrs = [
    { name: "commonName", value: commonName },
    { name: "organizationName", value: "Recert" },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, nonRepudiation: true },
    { name: "extKeyUsage", emailProtection: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const passphrase = randomBytes(24).toString("base64url");
  const asn1 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], passphrase, {
    algorithm: "aes256",
    friendlyName: commonName,
  });
  return { p12: Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary"), passphrase };
}

/** The identity reports are signed with (configured, else generated once under dataDir). */
export function signingIdentity(
  opts: { p12Path?: string; passphrase?: string; dataDir?: string } = {},
): SigningIdentity {
  const p12Path = opts.p12Path ?? process.env.REPORT_SIGNING_P12;
  if (p12Path) {
    const key = `cfg:${p12Path}`;
    const hit = cache.get(key);
    if (hit) return hit;
    if (!existsSync(p12Path))
      throw new SigningConfigError(`REPORT_SIGNING_P12 points to ${p12Path}, which does not exist.`);
    const id = fromP12(
      readFileSync(p12Path),
      opts.passphrase ?? process.env.REPORT_SIGNING_P12_PASSPHRASE ?? "",
      "configured",
    );
    cache.set(key, id);
    return id;
  }
  const dir = opts.dataDir ?? path.join(process.cwd(), "data");
  const file = path.join(dir, "report-signing.p12");
  const passFile = path.join(dir, "report-signing.pass");
  const key = `gen:${file}`;
  const hit = cache.get(key);
  if (hit) return hit;
  if (!existsSync(file) || !existsSync(passFile)) generateOnce(dir, file, passFile);
  const id = fromP12(readFileSync(file), readFileSync(passFile, "utf8").trim(), "generated");
  cache.set(key, id);
  return id;
}

/** Tests: forget the identities read so far, so the next call reads the files again. */
export function forgetSigningIdentities(): void {
  cache.clear();
}

const LOCK_STALE_MS = 10_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Writes a file whole or not at all: a temporary file, flushed, then renamed over the target. */
function writeAtomically(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The lock's holder is gone: its process no longer exists (on this machine), or it has held it too long. */
function lockAbandoned(lock: string): boolean {
  try {
    if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) return true;
    const [host, pidText] = readFileSync(path.join(lock, "owner"), "utf8").split(" ");
    const pid = Number(pidText);
    if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Generates the self-signed identity exactly once, even when several processes ask at the same moment or
 * one is killed halfway: an exclusive lock directory naming its owner (taken over once that process is
 * gone, or after 10 s), and each file written atomically, the passphrase before the certificate, so a
 * certificate on disk always has its passphrase beside it.
 */
function generateOnce(dir: string, file: string, passFile: string): void {
  mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, "report-signing.lock");
  const deadline = Date.now() + 2 * LOCK_STALE_MS;
  for (;;) {
    if (existsSync(file) && existsSync(passFile)) return; // another process finished it
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, "owner"), `${os.hostname()} ${process.pid}`);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (lockAbandoned(lock)) rmSync(lock, { recursive: true, force: true });
    if (Date.now() > deadline)
      throw new SigningConfigError(
        `Another process has been generating the report-signing certificate in ${dir} for too long; remove ${lock} if none is running.`,
      );
    sleepSync(50);
  }
  try {
    if (existsSync(file) && existsSync(passFile)) return;
    const { p12, passphrase } = generateSelfSigned();
    writeAtomically(passFile, passphrase);
    writeAtomically(file, p12);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
