/**
 * A certificate credential for client credentials: the private key signs a client assertion (private_key_jwt), the
 * certificate's thumbprint names it. Microsoft recommends certificates over client secrets for daemon apps
 * ("Microsoft identity platform application authentication certificate credentials"; "Securing service principals").
 *
 * Accepted files: PEM holding the certificate and its private key (PKCS#8 or PKCS#1, encrypted or not), or PKCS#12
 * (.pfx/.p12, as Key Vault and the Windows certificate store export them).
 */
import { createHash, createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import forge from "node-forge";

export interface CertificateCredential {
  /** The signing key, RSA. */
  privateKey: KeyObject;
  /** base64url SHA-256 of the certificate's DER encoding: the `x5t#S256` header Entra matches against keyCredentials. */
  thumbprintS256: string;
  /** Hex SHA-1 thumbprint, as the Entra portal lists it under Certificates & secrets. */
  thumbprintSha1: string;
  subject: string;
  notAfter: Date;
}

export class CertificateError extends Error {
  override name = "CertificateError";
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const KEY_BLOCK =
  /-----BEGIN (?:ENCRYPTED |RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED |RSA )?PRIVATE KEY-----/;

/** Reads a PEM or PKCS#12 certificate with its private key; `source` names it in errors (a path, an env variable). */
export function parseCertificateCredential(
  bytes: Buffer,
  passphrase: string | undefined,
  source: string,
): CertificateCredential {
  const text = bytes.toString("utf8");
  let certPem: string;
  let privateKey: KeyObject;
  if (text.includes("-----BEGIN")) {
    const cert = CERT_BLOCK.exec(text)?.[0];
    const key = KEY_BLOCK.exec(text)?.[0];
    if (!cert) throw new CertificateError(`${source} holds no certificate (-----BEGIN CERTIFICATE-----).`);
    if (!key)
      throw new CertificateError(`${source} holds no private key: put the key and the certificate in one PEM file.`);
    try {
      privateKey = createPrivateKey({ key, format: "pem", ...(passphrase ? { passphrase } : {}) });
    } catch (e) {
      throw new CertificateError(
        `${source}: the private key cannot be read${/ENCRYPTED/.test(key) && !passphrase ? " (it is encrypted: set its password)" : ""}: ${(e as Error).message}`,
      );
    }
    certPem = cert;
  } else {
    let p12: forge.pkcs12.Pkcs12Pfx;
    try {
      p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(bytes.toString("binary")), passphrase ?? "");
    } catch (e) {
      throw new CertificateError(
        `${source} is neither PEM nor a PKCS#12 file this password opens: ${(e as Error).message}`,
      );
    }
    const oids = forge.pki.oids as Record<string, string>;
    const keyBag =
      p12.getBags({ bagType: oids.pkcs8ShroudedKeyBag! })[oids.pkcs8ShroudedKeyBag!]?.[0] ??
      p12.getBags({ bagType: oids.keyBag! })[oids.keyBag!]?.[0];
    const certBag = p12.getBags({ bagType: oids.certBag! })[oids.certBag!]?.[0];
    if (!keyBag?.key || !certBag?.cert)
      throw new CertificateError(`${source} must hold one private key and its certificate.`);
    privateKey = createPrivateKey(forge.pki.privateKeyToPem(keyBag.key));
    certPem = forge.pki.certificateToPem(certBag.cert);
  }
  if (privateKey.asymmetricKeyType !== "rsa")
    throw new CertificateError(
      `${source}: Entra signs client assertions with RSA keys; this key is ${privateKey.asymmetricKeyType}.`,
    );
  const x509 = new X509Certificate(certPem);
  if (!x509.checkPrivateKey(privateKey))
    throw new CertificateError(`${source}: the private key does not belong to the certificate.`);
  return {
    privateKey,
    thumbprintS256: createHash("sha256").update(x509.raw).digest("base64url"),
    thumbprintSha1: x509.fingerprint.replace(/:/g, ""),
    subject: x509.subject.replace(/\n/g, ", "),
    notAfter: new Date(x509.validTo),
  };
}
