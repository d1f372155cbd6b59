import "server-only";
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
  const allowed = limit.take(String(r.claims.azp ?? r.claims.appid ?? "unknown"));
  return allowed.ok ? { claims: r.claims } : { response: tooManyRequests(allowed.retryAfterS) };
}
