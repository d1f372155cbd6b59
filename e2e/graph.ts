import { E2E } from "../playwright.config";

/**
 * fetch that retries once when the connection it reused was closed by the server as it sent the request (a
 * keep-alive race: undici reports "fetch failed", cause "other side closed"). Only for requests safe to repeat.
 */
async function fetchOnce(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code;
    if (!(e instanceof TypeError) || !["UND_ERR_SOCKET", "ECONNRESET"].includes(code ?? "")) throw e;
    await new Promise((r) => setTimeout(r, 100));
    return fetch(url, init);
  }
}

/** Calls Entra (the emulator) through Graph with the app's own client-credentials token: what Entra has now. */
export async function graphCall(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const env = E2E.env as Record<string, string>;
  const tokenRes = await fetchOnce(`${E2E.emulatorUrl}/${env.ENTRA_TENANT_ID}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: env.AUTH_MICROSOFT_ENTRA_ID_ID!,
      client_secret: env.AUTH_MICROSOFT_ENTRA_ID_SECRET!,
      scope: "https://graph.microsoft.com/.default",
    }),
  });
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  const res = await (method === "GET" ? fetchOnce : fetch)(`${E2E.emulatorUrl}/v1.0${path}`, {
    method,
    headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}

export async function graphGet<T>(path: string): Promise<T> {
  const r = await graphCall("GET", path);
  if (r.status >= 300) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json as T;
}

export async function groupIdByName(name: string): Promise<string> {
  const r = await graphGet<{ value: { id: string }[] }>(
    `/groups?$filter=${encodeURIComponent(`displayName eq '${name}'`)}&$select=id`,
  );
  return r.value[0]!.id;
}

export async function groupMembers(
  name: string,
): Promise<{ id: string; displayName: string; userType?: string; companyName?: string | null }[]> {
  const id = await groupIdByName(name);
  return (
    await graphGet<{ value: { id: string; displayName: string; userType?: string; companyName?: string | null }[] }>(
      `/groups/${id}/members?$select=id,displayName,userType,companyName&$top=999`,
    )
  ).value;
}
