/**
 * Certificate credentials as Entra checks them ("Microsoft identity platform application authentication certificate
 * credentials"): the app's keyCredentials hold certificates; a client assertion names one by its thumbprint
 * (`x5t#S256`, SHA-256, current; `x5t`, SHA-1, older clients), is signed with its key (PS256, or RS256 from older
 * clients), has `iss` = `sub` = the client id, `aud` = the token endpoint, and is within its time range. Each refusal
 * answers as Entra does (AADSTS700027 for an unknown, expired or mis-signed key, 700021 for a client id that does not
 * match, 700024 for a time range, as reported on Microsoft Q&A for these codes).
 */
import { createHash, createPublicKey, type KeyObject, X509Certificate } from "node:crypto";
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from "jose";
import forge from "node-forge";
import { aadError, type Res } from "../http";

export interface KeyCredential {
  /** base64url SHA-256 and SHA-1 of the certificate's DER encoding. */
  thumbprintS256: string;
  thumbprintSha1: string;
  /** Hex SHA-1, as Entra prints "Thumbprint of key used by client". */
  thumbprintHex: string;
  publicKey: KeyObject;
  notAfter: Date;
}

export const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** The public part of a certificate: what an admin uploads to Certificates & secrets (.cer/.pem). */
export function keyCredential(certPem: string): KeyCredential {
  const x509 = new X509Certificate(certPem);
  return {
    thumbprintS256: createHash("sha256").update(x509.raw).digest("base64url"),
    thumbprintSha1: createHash("sha1").update(x509.raw).digest("base64url"),
    thumbprintHex: createHash("sha1").update(x509.raw).digest("hex").toUpperCase(),
    publicKey: createPublicKey(x509.publicKey.export({ type: "spki", format: "pem" })),
    notAfter: new Date(x509.validTo),
  };
}

/** The certificate in a PEM or PKCS#12 file the app also reads (one .env drives both); never its private key. */
export function keyCredentialFromFile(bytes: Buffer, password: string | undefined): KeyCredential {
  const text = bytes.toString("utf8");
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  if (pem) return keyCredential(pem);
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(bytes.toString("binary")), password ?? "");
  const oid = (forge.pki.oids as Record<string, string>).certBag!;
  const cert = p12.getBags({ bagType: oid })[oid]?.[0]?.cert;
  if (!cert) throw new Error("the PKCS#12 file holds no certificate");
  return keyCredential(forge.pki.certificateToPem(cert));
}

/** Checks a client assertion for `clientId` against its key credentials; the error response, or null when valid. */
export async function checkClientAssertion(o: {
  assertion: string;
  clientId: string;
  keys: readonly KeyCredential[];
  tokenEndpoints: readonly string[];
}): Promise<Res | null> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(o.assertion);
  } catch {
    return aadError(400, "invalid_request", 50027, "JWT token is invalid or malformed.");
  }
  const s256 = typeof header["x5t#S256"] === "string" ? header["x5t#S256"] : undefined;
  const sha1 = typeof header.x5t === "string" ? header.x5t : undefined;
  const key = o.keys.find((k) => (s256 && k.thumbprintS256 === s256) || (sha1 && k.thumbprintSha1 === sha1));
  const notFound = (reason: string) =>
    aadError(
      401,
      "invalid_client",
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - ${reason}, Thumbprint of key used by client: '${thumbHex(s256, sha1)}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${o.clientId}'.]`,
    );
  if (!key) return notFound("The key was not found.");
  if (key.notAfter.getTime() < Date.now()) return notFound("The key used is expired.");
  const alg = header.alg === "PS256" || header.alg === "RS256" ? header.alg : undefined;
  if (!alg) return aadError(401, "invalid_client", 700027, "Client assertion failed signature validation.");
  let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
  try {
    ({ payload } = await jwtVerify(o.assertion, key.publicKey, { algorithms: [alg], clockTolerance: 300 }));
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired || (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === "nbf"))
      return aadError(
        401,
        "invalid_client",
        700024,
        `Client assertion is not within its valid time range. Current time: ${new Date().toISOString()}.`,
      );
    return aadError(401, "invalid_client", 700027, "Client assertion failed signature validation.");
  }
  if (payload.iss !== o.clientId || payload.sub !== o.clientId)
    return aadError(
      401,
      "invalid_client",
      700021,
      "Client assertion application identifier doesn't match 'client_id' parameter.",
    );
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.some((a) => typeof a === "string" && o.tokenEndpoints.includes(a)))
    return aadError(
      401,
      "invalid_client",
      700027,
      "Client assertion audience claim does not match the token endpoint.",
    );
  if (typeof payload.exp !== "number" || !payload.jti)
    return aadError(401, "invalid_client", 700027, "Client assertion must carry exp and jti.");
  return null;
}

function thumbHex(s256: string | undefined, sha1: string | undefined): string {
  const v = s256 ?? sha1;
  return v ? Buffer.from(v, "base64url").toString("hex").toUpperCase() : "";
}
