/**
 * The evidence API's bearer check against real tokens from the emulator: no token, garbage, expired, wrong
 * audience (a Graph token), another tenant's token, an app without the Recert.Auditor role, and a valid one.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEmulator, type RunningEmulator } from "@/emulator/server";
import { verifyBearer, type BearerConfig } from "./bearer";

const GRC = { id: "9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a", secret: "grc-demo-client-secret" };
let emu: RunningEmulator;
let other: RunningEmulator;
let cfg: BearerConfig;

async function token(e: RunningEmulator, clientId: string, secret: string, scope: string): Promise<string> {
  const r = await fetch(`${e.url}/${e.config.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: secret, scope }),
  });
  const body = (await r.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new Error(body.error_description);
  return body.access_token;
}

beforeAll(async () => {
  emu = await startEmulator({ port: 0, users: 50 });
  other = await startEmulator({ port: 0, users: 50, tenantId: "11111111-2222-4333-8444-555555555555" });
  cfg = {
    authorityHost: emu.url,
    tenantId: emu.config.tenantId,
    audiences: [emu.config.appIdUri, emu.config.clientId],
  };
});
afterAll(async () => {
  await emu?.close();
  await other?.close();
});

describe("evidence API bearer tokens", () => {
  const scope = () => `${emu.config.appIdUri}/.default`;

  test("a GRC app with Recert.Auditor is let in", async () => {
    const r = await verifyBearer(`Bearer ${await token(emu, GRC.id, GRC.secret, scope())}`, cfg);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.claims.roles).toContain("Recert.Auditor");
  });

  test("no token or garbage: 401", async () => {
    expect(await verifyBearer(null, cfg)).toMatchObject({ ok: false, status: 401, error: "invalid_request" });
    expect(await verifyBearer("Basic abc", cfg)).toMatchObject({ ok: false, status: 401 });
    expect(await verifyBearer("Bearer not.a.jwt", cfg)).toMatchObject({
      ok: false,
      status: 401,
      error: "invalid_token",
    });
  });

  test("a Graph token (wrong audience): 401", async () => {
    const graph = await token(emu, GRC.id, GRC.secret, "https://graph.microsoft.com/.default").catch(() =>
      token(emu, emu.config.clientId, emu.config.clientSecret, "https://graph.microsoft.com/.default"),
    );
    const r = await verifyBearer(`Bearer ${graph}`, cfg);
    expect(r).toMatchObject({ ok: false, status: 401, error: "invalid_token" });
  });

  test("another tenant's token: 401", async () => {
    const foreign = await token(other, GRC.id, GRC.secret, `${other.config.appIdUri}/.default`);
    expect(await verifyBearer(`Bearer ${foreign}`, cfg)).toMatchObject({
      ok: false,
      status: 401,
      error: "invalid_token",
    });
  });

  test("an app without the role: 403", async () => {
    const own = await token(emu, emu.config.clientId, emu.config.clientSecret, scope());
    expect(await verifyBearer(`Bearer ${own}`, cfg)).toMatchObject({
      ok: false,
      status: 403,
      error: "insufficient_scope",
    });
  });

  test("an expired token: 401 that says so", async () => {
    await fetch(`${emu.url}/_emulator/token-lifetime`, {
      method: "POST",
      headers: { "x-emulator-admin-key": "emulator-admin-key", "content-type": "application/json" },
      body: JSON.stringify({ seconds: -600 }),
    });
    const expired = await token(emu, GRC.id, GRC.secret, scope());
    await fetch(`${emu.url}/_emulator/token-lifetime`, {
      method: "POST",
      headers: { "x-emulator-admin-key": "emulator-admin-key", "content-type": "application/json" },
      body: JSON.stringify({ seconds: 3600 }),
    });
    expect(await verifyBearer(`Bearer ${expired}`, cfg)).toMatchObject({
      ok: false,
      status: 401,
      description: "The token has expired.",
    });
  });
});
