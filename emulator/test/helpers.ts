import { createHash, randomBytes } from "node:crypto";
import { startEmulator, type EmulatorConfig } from "../server";

export const TENANT = "8c3dad1d-b6bc-4f8b-939b-8263372eced6";
export const CLIENT_ID = "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
export const SECRET = "recert-demo-client-secret";
export const REDIRECT = "http://localhost:3000/api/auth/callback/microsoft-entra-id";
export const ADMIN_KEY = "emulator-admin-key";
/** The write app the emulator tests register (with a secret here; the certificate path has its own tests). */
export const WRITE_CLIENT_ID = "7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
export const WRITE_SECRET = "recert-test-write-secret";

export async function start(o: Partial<EmulatorConfig> = {}) {
  return startEmulator({
    port: 0,
    now: new Date("2026-11-01T00:00:00Z"),
    writeApp: { clientId: WRITE_CLIENT_ID, secret: WRITE_SECRET, keyCredentials: [] },
    ...o,
  });
}

export async function appToken(
  url: string,
  clientId = CLIENT_ID,
  secret = SECRET,
  scope = "https://graph.microsoft.com/.default",
): Promise<Response> {
  return fetch(`${url}/${TENANT}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: secret, scope }),
  });
}

export async function graphToken(url: string, clientId = CLIENT_ID, secret = SECRET): Promise<string> {
  const res = await appToken(url, clientId, secret);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A Graph token of the write app (the sign-in app holds read permissions only). */
export const writeToken = (url: string) => graphToken(url, WRITE_CLIENT_ID, WRITE_SECRET);

export async function graph(url: string, token: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(path.startsWith("http") ? path : `${url}/v1.0${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
  });
}

export async function control(url: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${url}/_emulator${path}`, {
    method,
    headers: { "x-emulator-admin-key": ADMIN_KEY, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Every page of a collection, following @odata.nextLink. */
export async function all<T = Record<string, unknown>>(
  url: string,
  token: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ items: T[]; pages: number; last: Record<string, unknown> }> {
  const items: T[] = [];
  let next: string | undefined = `${url}/v1.0${path}`;
  let pages = 0;
  let last: Record<string, unknown> = {};
  while (next) {
    const res = await graph(url, token, next, { headers });
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    last = (await res.json()) as Record<string, unknown>;
    items.push(...(last.value as T[]));
    pages++;
    next = last["@odata.nextLink"] as string | undefined;
  }
  return { items, pages, last };
}

export function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}
