import { createHash, createPrivateKey, randomUUID, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { SignJWT } from "jose";
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

/**
 * A client assertion for the write app, signed with its certificate's key (the PEM the app reads): how a test stands
 * in for an Entra admin changing the tenant, since the sign-in app holds read permissions only.
 */
async function writeAppAssertion(tokenUrl: string): Promise<string> {
  const env = E2E.env as Record<string, string>;
  const pem = readFileSync(env.GRAPH_WRITE_CLIENT_CERTIFICATE!, "utf8");
  const cert = new X509Certificate(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)![0]);
  const key = createPrivateKey(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(pem)![0]);
  const id = env.GRAPH_WRITE_CLIENT_ID!;
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({
      alg: "PS256",
      typ: "JWT",
      "x5t#S256": createHash("sha256").update(cert.raw).digest("base64url"),
    })
    .setIssuer(id)
    .setSubject(id)
    .setAudience(tokenUrl)
    .setIssuedAt()
    .setNotBefore("0s")
    .setExpirationTime("5m")
    .sign(key);
}

/**
 * Calls Entra (the emulator) through Graph with client-credentials tokens: what Entra has now (reads, with the sign-in
 * app), or a change an Entra admin makes (writes, with the write app and its certificate).
 */
export async function graphCall(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const env = E2E.env as Record<string, string>;
  const tokenUrl = `${E2E.emulatorUrl}/${env.ENTRA_TENANT_ID}/oauth2/v2.0/token`;
  const credentials: Record<string, string> =
    method === "GET"
      ? { client_id: env.AUTH_MICROSOFT_ENTRA_ID_ID!, client_secret: env.AUTH_MICROSOFT_ENTRA_ID_SECRET! }
      : {
          client_id: env.GRAPH_WRITE_CLIENT_ID!,
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: await writeAppAssertion(tokenUrl),
        };
  const tokenRes = await fetchOnce(tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      ...credentials,
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
