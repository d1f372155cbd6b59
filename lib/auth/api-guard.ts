import "server-only";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { rateLimit, tooManyRequests } from "@/lib/input/rate-limit";
import { bearerError, verifyBearer } from "./bearer";

// Per calling application (its verified client id, which it cannot spoof): 600 requests a minute, 3,000 in all.
const limit = rateLimit({ perClient: 600, global: 3_000, windowMs: 60_000 });

/** The evidence API's guard: the verified claims, or the 401/403 response to return. */
export async function requireApiCaller(
  req: Request,
): Promise<{ claims: Record<string, unknown> } | { response: Response }> {
  const e = env();
  const r = await verifyBearer(req.headers.get("authorization"), {
    authorityHost: e.ENTRA_AUTHORITY_HOST,
    tenantId: e.ENTRA_TENANT_ID,
    appIdUri: e.RECERT_APP_ID_URI,
    clientId: e.AUTH_MICROSOFT_ENTRA_ID_ID,
  });
  if (!r.ok) return { response: bearerError(r) };
  // An application token's oid is the calling service principal: it must be one of this tenant's (as the last sync
  // saw them), which no person's or guest's object id is (#17, evidence API for applications only).
  const sp = await db().dirServicePrincipal.findFirst({
    where: { tenantId: e.ENTRA_TENANT_ID, id: String(r.claims.oid) },
    select: { id: true },
  });
  if (!sp)
    return {
      response: bearerError({
        ok: false,
        status: 401,
        error: "invalid_token",
        description:
          "The caller is not a service principal of this tenant (as of the last sync): the evidence API is for applications.",
      }),
    };
  const allowed = limit.take(String(r.claims.azp ?? r.claims.appid ?? "unknown"));
  return allowed.ok ? { claims: r.claims } : { response: tooManyRequests(allowed.retryAfterS) };
}
