/**
 * Bearer tokens for the evidence API (/api/v1/*): Entra-issued access tokens from client credentials, for
 * applications only (GRC tools), never people.
 *
 * Entra issues Recert's API one of two token versions, chosen by the Recert app registration's
 * `requestedAccessTokenVersion` (`accessTokenAcceptedVersion` in the manifest; Microsoft, "Access tokens in the
 * Microsoft identity platform"):
 *   - v1 (null or 1, the default): `iss` is the tenant's v1 issuer (https://sts.windows.net/{tid}/ in the public
 *     cloud; read from the v1 OpenID metadata, so a national cloud's own issuer is used), `aud` the application ID URI
 *     (or the client id), `appid` the caller, `ver` 1.0;
 *   - v2 (2): `iss` {authority}/{tid}/v2.0, `aud` the client id only, `azp` the caller, `ver` 2.0.
 * Each version is accepted only with its own issuer and audience: a v2 issuer with an App ID URI audience is a token
 * Entra never issues.
 *
 * App-only: a token carrying `scp` is delegated (a person's); `idtyp`, when present, must be `app`; and in an app-only
 * token `sub` and `oid` are both the calling service principal's object id, where a person's access or ID token has
 * a pairwise `sub`. An ID token (no `azp`/`appid`, `aud` = client id) is refused too.
 * Checked as well: RS256 signature against the tenant's JWKS (discovered, cached), expiry and not-before (60 s
 * leeway), tenant id, and the Recert.Auditor app role.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from "jose";

export interface BearerConfig {
  authorityHost: string;
  tenantId: string;
  /** Recert's application ID URI (RECERT_APP_ID_URI): the audience of v1 tokens. */
  appIdUri: string;
  /** Recert's client id: the audience of v2 tokens (v1 tokens may carry it too). */
  clientId: string;
  role?: string;
}

export type BearerResult =
  | { ok: true; claims: JWTPayload & { roles?: string[]; azp?: string; appid?: string; tid?: string; ver?: string } }
  | { ok: false; status: 401 | 403; error: string; description: string };

interface TenantKeys {
  jwks: ReturnType<typeof createRemoteJWKSet>;
  v2Issuer: string;
  /** null when the v1 metadata could not be read: v1 tokens are then refused rather than guessed. */
  v1Issuer: string | null;
  at: number;
}
const tenantCache = new Map<string, TenantKeys>();

async function metadata(url: string): Promise<{ issuer: string; jwks_uri: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`OpenID metadata ${url}: HTTP ${res.status}`);
  return (await res.json()) as { issuer: string; jwks_uri: string };
}

async function tenantKeys(authorityHost: string, tenantId: string): Promise<TenantKeys> {
  const base = `${authorityHost.replace(/\/$/, "")}/${tenantId}`;
  const hit = tenantCache.get(base);
  // A day when both metadata documents were read; five minutes when the v1 one was not (v1 tokens are refused meanwhile).
  if (hit && Date.now() - hit.at < (hit.v1Issuer ? 24 * 3_600_000 : 5 * 60_000)) return hit;
  const v2 = await metadata(`${base}/v2.0/.well-known/openid-configuration`);
  const v1 = await metadata(`${base}/.well-known/openid-configuration`).catch(() => null);
  const keys: TenantKeys = {
    jwks: createRemoteJWKSet(new URL(v2.jwks_uri), { cacheMaxAge: 3_600_000, cooldownDuration: 30_000 }),
    v2Issuer: v2.issuer.replace("{tenantid}", tenantId),
    v1Issuer: v1?.issuer.replace("{tenantid}", tenantId) ?? null,
    at: Date.now(),
  };
  tenantCache.set(base, keys);
  return keys;
}

const fail = (status: 401 | 403, error: string, description: string): BearerResult => ({
  ok: false,
  status,
  error,
  description,
});

export async function verifyBearer(authorization: string | null, cfg: BearerConfig): Promise<BearerResult> {
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(authorization?.trim() ?? "");
  if (!m)
    return fail(
      401,
      "invalid_request",
      "Send an Entra access token: Authorization: Bearer <token> (client credentials, scope <application ID URI>/.default).",
    );
  let claims: (BearerResult & { ok: true })["claims"];
  let t: TenantKeys;
  try {
    t = await tenantKeys(cfg.authorityHost, cfg.tenantId);
    const { payload } = await jwtVerify(m[1]!, t.jwks, {
      issuer: [t.v2Issuer, ...(t.v1Issuer ? [t.v1Issuer] : [])],
      audience: [cfg.appIdUri, cfg.clientId],
      algorithms: ["RS256"],
      clockTolerance: 60,
      requiredClaims: ["exp", "iat"],
    });
    claims = payload as typeof claims;
  } catch (e) {
    if (e instanceof errors.JWTExpired) return fail(401, "invalid_token", "The token has expired.");
    if (e instanceof errors.JWTClaimValidationFailed) {
      if (e.claim === "aud")
        return fail(401, "invalid_token", `The token is not for this API: its audience must be ${cfg.appIdUri}.`);
      if (e.claim === "iss")
        return fail(401, "invalid_token", "The token was not issued by this organization's Entra tenant.");
      return fail(401, "invalid_token", `The token's ${e.claim} claim is not acceptable.`);
    }
    if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWSSignatureVerificationFailed)
      return fail(401, "invalid_token", "The token's signature does not verify with this tenant's keys.");
    if (e instanceof errors.JOSEError) return fail(401, "invalid_token", "The token is malformed.");
    throw e;
  }
  if (claims.tid !== cfg.tenantId) return fail(401, "invalid_token", "The token belongs to another tenant.");
  // Each version with its own issuer and audience (see above).
  const v2 = claims.iss === t.v2Issuer;
  if (v2 ? claims.ver !== "2.0" || claims.aud !== cfg.clientId : claims.ver !== "1.0")
    return fail(401, "invalid_token", "The token's version, issuer and audience do not belong together.");
  // Applications only.
  if (claims.scp !== undefined || (claims.idtyp !== undefined && claims.idtyp !== "app"))
    return fail(
      401,
      "invalid_token",
      "The evidence API takes application tokens (client credentials) only, not a person's delegated token.",
    );
  const caller = v2 ? claims.azp : claims.appid;
  if (typeof caller !== "string" || typeof claims.oid !== "string" || claims.oid !== claims.sub)
    return fail(401, "invalid_token", "The evidence API takes application access tokens only, not ID tokens.");
  const role = cfg.role ?? "Recert.Auditor";
  if (!Array.isArray(claims.roles) || !claims.roles.includes(role))
    return fail(
      403,
      "insufficient_scope",
      `The calling application lacks the ${role} app role. Assign it in Entra (Enterprise applications > Recert > app role assignments).`,
    );
  return { ok: true, claims };
}

/** The 401/403 response for a failed check, with the WWW-Authenticate header RFC 6750 asks for. */
export function bearerError(r: Extract<BearerResult, { ok: false }>): Response {
  // Header values must be ASCII (and quotes would end the parameter).
  const esc = r.description.replace(/"/g, "'").replace(/[^\x20-\x7E]/g, "?");
  return Response.json(
    { error: r.error, error_description: r.description },
    {
      status: r.status,
      headers: {
        "www-authenticate": `Bearer error="${r.error}", error_description="${esc}"`,
        "cache-control": "no-store",
      },
    },
  );
}
