/**
 * Secrets at rest: AES-256-GCM with a 96-bit random IV and the row's identity as additional data, so a
 * ciphertext copied to another row or tenant does not decrypt. Format: `v1.<keyId>.<iv>.<tag>.<data>`
 * (base64url). The key comes from RECERT_ENCRYPTION_KEY (32 bytes, hex or base64); its id (a hash
 * prefix, not the key) tells which key a secret was sealed with.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { decodeKey } from "../env";

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}

export function parseKey(value: string | undefined): Buffer {
  if (!value)
    throw new SecretBoxError(
      "RECERT_ENCRYPTION_KEY is not set: Recert cannot store a client secret without it (generate one with `openssl rand -base64 32`).",
    );
  const key = decodeKey(value);
  if (key?.length !== 32) throw new SecretBoxError("RECERT_ENCRYPTION_KEY must be 32 bytes, base64 or hex encoded.");
  return key;
}

export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update("recert-key-id:").update(key).digest("hex").slice(0, 16);
}

const b64 = (b: Buffer) => b.toString("base64url");

export function seal(plaintext: string, key: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", keyIdOf(key), b64(iv), b64(cipher.getAuthTag()), b64(data)].join(".");
}

export function open(sealed: string, key: Buffer, aad: string): string {
  const parts = sealed.split(".");
  if (parts.length !== 5 || parts[0] !== "v1")
    throw new SecretBoxError("The stored secret is not in a format this version of Recert reads.");
  const [, keyId, iv, tag, data] = parts as [string, string, string, string, string];
  if (keyId !== keyIdOf(key))
    throw new SecretBoxError(
      `The stored secret was sealed with another RECERT_ENCRYPTION_KEY (key id ${keyId}); set that key again, or save the connection anew.`,
    );
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretBoxError(
      "The stored secret failed its integrity check (it was altered or belongs to another connection). Save the connection anew.",
    );
  }
}
