/**
 * Bearer tokens for the evidence API (/api/v1/*): Entra-issued access tokens from client credentials.
 * Checked: RS256 signature against the tenant's JWKS (discovered from the issuer's metadata, cached),
 * issuer (v2, or v1 sts.windows.net) of this tenant, audience (Recert's application ID URI or client id),
 * expiry and not-before (60 s leeway), tenant id, and the Recert.Auditor app role.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from "jose";

export interface BearerConfig {
  authorityHost: string;
  tenantId: string;
  /** Accepted audiences: the application ID URI and the client id. */
  audiences: string[];
  role?: string;
}

export type BearerResult =
  | { ok: true; claims: JWTPayload & { roles?: string[]; azp?: string; appid?: string; tid?: string } }
  | { ok: false; status: 401 | 403; error: string; description: string };

const jwksCache = new Map<string, { jwks: ReturnType<typeof createRemoteJWKSet>; at: number }>();

async function jwksFor(authorityHost: string, tenantId: string) {
  const key = `${authorityHost}|${tenantId}`;
  const hit = jwksCache.get(key);
  if (hit && Date.now() - hit.at < 24 * 3_600_000) return hit.jwks;
  const res = await fetch(`${authorityHost.replace(/\/$/, "")}/${tenantId}/v2.0/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`OpenID metadata: HTTP ${res.status}`);
  const meta = (await res.json()) as { jwks_uri: string };
  const jwks = createRemoteJWKSet(new URL(meta.jwks_uri), { cacheMaxAge: 3_600_000, cooldownDuration: 30_000 });
  jwksCache.set(key, { jwks, at: Date.now() });
  return jwks;
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
  const issuers = [
    `${cfg.authorityHost.replace(/\/$/, "")}/${cfg.tenantId}/v2.0`,
    `https://sts.windows.net/${cfg.tenantId}/`,
  ];
  let claims: BearerResult & { ok: true };
  try {
    const jwks = await jwksFor(cfg.authorityHost, cfg.tenantId);
    const { payload } = await jwtVerify(m[1]!, jwks, {
      issuer: issuers,
      audience: cfg.audiences,
      algorithms: ["RS256"],
      clockTolerance: 60,
      requiredClaims: ["exp", "iat"],
    });
    claims = { ok: true, claims: payload as (BearerResult & { ok: true })["claims"] };
  } catch (e) {
    if (e instanceof errors.JWTExpired) return fail(401, "invalid_token", "The token has expired.");
    if (e instanceof errors.JWTClaimValidationFailed) {
      if (e.claim === "aud")
        return fail(401, "invalid_token", `The token is not for this API: its audience must be ${cfg.audiences[0]}.`);
      if (e.claim === "iss")
        return fail(401, "invalid_token", "The token was not issued by this organization's Entra tenant.");
      return fail(401, "invalid_token", `The token's ${e.claim} claim is not acceptable.`);
    }
    if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWSSignatureVerificationFailed)
      return fail(401, "invalid_token", "The token's signature does not verify with this tenant's keys.");
    if (e instanceof errors.JOSEError) return fail(401, "invalid_token", "The token is malformed.");
    throw e;
  }
  if (claims.claims.tid !== cfg.tenantId) return fail(401, "invalid_token", "The token belongs to another tenant.");
  const role = cfg.role ?? "Recert.Auditor";
  if (!Array.isArray(claims.claims.roles) || !claims.claims.roles.includes(role))
    return fail(
      403,
      "insufficient_scope",
      `The calling application lacks the ${role} app role. Assign it in Entra (Enterprise applications > Recert > app role assignments).`,
    );
  return claims;
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
