import "server-only";
import { env } from "@/lib/env";
import { bearerError, verifyBearer } from "./bearer";

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
  return r.ok ? { claims: r.claims } : { response: bearerError(r) };
}
