import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import forge from "node-forge";

/**
 * A self-signed certificate with its private key in one PEM file, for the demo's write app: what an admin makes
 * with `openssl req -x509 -newkey rsa:2048 …` and uploads (the certificate only) to the app registration. Kept
 * while valid for another day; the emulator registers the same file's certificate (one .env drives both).
 */
export function ensureDemoCertificate(file: string, commonName = "Recert demo write app"): string {
  if (existsSync(file)) {
    const pem = readFileSync(file, "utf8");
    const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
    if (cert && forge.pki.certificateFromPem(cert).validity.notAfter.getTime() > Date.now() + 86_400_000) return file;
  }
  writeFileSync(ensureDir(file), makeCertificatePem(commonName), { mode: 0o600 });
  return file;
}

/** PEM: PKCS#8 private key, then the certificate. */
export function makeCertificatePem(commonName: string, validDays = 365): string {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  cert.serialNumber = `01${randomBytes(8).toString("hex")}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + validDays * 86_400_000);
  const attrs = [{ name: "commonName", value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return `${keyPem}${forge.pki.certificateToPem(cert)}`;
}

function ensureDir(file: string): string {
  mkdirSync(dirname(file), { recursive: true });
  return file;
}
