/**
 * HTTPS for the emulator, so the production path runs under test: a local certificate authority and a server
 * certificate for localhost (DNS localhost, IP 127.0.0.1 and ::1), made once into a directory and reused while valid.
 * Node processes that talk to the emulator trust the CA through NODE_EXTRA_CA_CERTS=<dir>/ca.pem, which Node reads at
 * start-up; nothing switches certificate checks off. The CA's private key never leaves the directory it is made in.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import forge from "node-forge";

export interface LocalTls {
  /** The CA certificate to trust (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  cert: string;
  key: string;
}

const DAY = 86_400_000;

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString()),
  };
}

function validFor(certPem: string, ms: number): boolean {
  try {
    return forge.pki.certificateFromPem(certPem).validity.notAfter.getTime() > Date.now() + ms;
  } catch {
    return false;
  }
}

/** The CA and server certificate in `dir`, made when missing or within a day of expiring. */
export function ensureLocalTls(dir: string): LocalTls {
  const caFile = path.resolve(dir, "ca.pem");
  const certFile = path.resolve(dir, "server.pem");
  const keyFile = path.resolve(dir, "server.key");
  if (existsSync(caFile) && existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, "utf8");
    if (validFor(cert, DAY)) return { caFile, cert, key: readFileSync(keyFile, "utf8") };
  }
  mkdirSync(path.resolve(dir), { recursive: true });
  const now = Date.now();
  const ca = keyPair();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.forgePublic;
  caCert.serialNumber = `01${randomBytes(8).toString("hex")}`;
  caCert.validity.notBefore = new Date(now - 60_000);
  caCert.validity.notAfter = new Date(now + 30 * DAY);
  const caName = [{ name: "commonName", value: "Recert emulator local CA" }];
  caCert.setSubject(caName);
  caCert.setIssuer(caName);
  caCert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  caCert.sign(caKey, forge.md.sha256.create());

  const leaf = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = leaf.forgePublic;
  cert.serialNumber = `02${randomBytes(8).toString("hex")}`;
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + 29 * DAY);
  cert.setSubject([{ name: "commonName", value: "localhost" }]);
  cert.setIssuer(caName);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        { type: 2, value: "localhost" },
        { type: 7, ip: "127.0.0.1" },
        { type: 7, ip: "::1" },
      ],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  writeFileSync(caFile, forge.pki.certificateToPem(caCert));
  writeFileSync(certFile, certPem);
  writeFileSync(keyFile, leaf.keyPem, { mode: 0o600 });
  return { caFile, cert: certPem, key: leaf.keyPem };
}
