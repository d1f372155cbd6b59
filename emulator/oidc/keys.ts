import { createHash, randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTPayload, type CryptoKey } from "jose";

export interface KeySet {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
  /** Opaque Graph tokens handed out (for apps with opaqueGraphTokens), each standing for a signed JWT. */
  opaque: Map<string, string>;
}

export async function createKeySet(): Promise<KeySet> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(publicKey);
  const kid = createHash("sha256").update(String(jwk.n)).digest("base64url").slice(0, 27);
  return { kid, privateKey, publicKey, jwk: { ...jwk, kid, use: "sig", alg: "RS256", x5t: kid }, opaque: new Map() };
}

export async function sign(keys: KeySet, claims: JWTPayload, lifetimeS: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    ...claims,
    uti: randomUUID().replace(/-/g, "").slice(0, 22),
    rh: `0.AAAA${randomUUID().replace(/-/g, "").slice(0, 20)}`,
  })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: keys.kid })
    .setIssuedAt(now)
    .setNotBefore(now - 300)
    .setExpirationTime(now + lifetimeS)
    .sign(keys.privateKey);
}

export async function verify(keys: KeySet, token: string, audience: string[]): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, keys.publicKey, { audience, algorithms: ["RS256"] });
  return payload;
}

/**
 * A token the client cannot read: a random reference the resource resolves server-side (as an encrypted token
 * would be to its client). The resource looks it up with `resolveOpaque`.
 */
export function opaqueToken(keys: KeySet, jwt: string): string {
  const ref = `op.${randomUUID().replace(/-/g, "")}${randomUUID().replace(/-/g, "")}`;
  keys.opaque.set(ref, jwt);
  return ref;
}

export function resolveOpaque(keys: KeySet, token: string): string {
  return keys.opaque.get(token) ?? token;
}
