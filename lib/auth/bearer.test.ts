/**
 * The evidence API's bearer check against real tokens from the emulator: no token, garbage, expired, wrong
 * audience (a Graph token), another tenant's token, an app without the Recert.Auditor role, and valid ones of both
 * token versions; and tokens Entra issues in other flows (a person's delegated token, an ID token) or never issues
 * (a v2 issuer with a v1 audience), each signed with the tenant's real key.
 */
import { decodeJwt } from "jose";
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
    appIdUri: emu.config.appIdUri,
    clientId: emu.config.clientId,
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

  const control = (path: string, body: unknown) =>
    fetch(`${emu.url}/_emulator${path}`, {
      method: "POST",
      headers: { "x-emulator-admin-key": "emulator-admin-key", "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const signed = async (claims: Record<string, unknown>) =>
    ((await (await control("/sign", { claims })).json()) as { token: string }).token;

  test("v1 tokens (Entra's default) and v2 tokens, each with its own issuer and audience, as the app registration chooses", async () => {
    const v1 = decodeJwt(await token(emu, GRC.id, GRC.secret, scope()));
    expect(v1).toMatchObject({
      ver: "1.0",
      iss: `https://sts.windows.net/${emu.config.tenantId}/`,
      aud: emu.config.appIdUri,
      appid: GRC.id,
    });
    expect(v1).not.toHaveProperty("azp");
    expect((await verifyBearer(`Bearer ${await token(emu, GRC.id, GRC.secret, scope())}`, cfg)).ok).toBe(true);
    await control(`/apps/${emu.config.clientId}/token-version`, { version: 2 });
    try {
      const raw = await token(emu, GRC.id, GRC.secret, scope());
      expect(decodeJwt(raw)).toMatchObject({
        ver: "2.0",
        iss: `${emu.url}/${emu.config.tenantId}/v2.0`,
        aud: emu.config.clientId,
        azp: GRC.id,
      });
      const r = await verifyBearer(`Bearer ${raw}`, cfg);
      expect(r.ok).toBe(true);
    } finally {
      await control(`/apps/${emu.config.clientId}/token-version`, { version: null });
    }
  });

  test("refuses a person's delegated token, an ID token, and version/issuer/audience mixes Entra never issues", async () => {
    const tid = emu.config.tenantId;
    const v1 = `https://sts.windows.net/${tid}/`;
    const v2 = `${emu.url}/${tid}/v2.0`;
    const now = Math.floor(Date.now() / 1000);
    const sp = "5c1d2e3f-0000-4000-8000-00000000a0a0";
    const base = { tid, iat: now, nbf: now, exp: now + 600, roles: ["Recert.Auditor"] };
    const app1 = { ...base, iss: v1, aud: emu.config.appIdUri, appid: GRC.id, oid: sp, sub: sp, ver: "1.0" };
    expect((await verifyBearer(`Bearer ${await signed(app1)}`, cfg)).ok).toBe(true); // the control: a good one passes
    const refused = async (claims: Record<string, unknown>, why: RegExp) => {
      const r = await verifyBearer(`Bearer ${await signed(claims)}`, cfg);
      expect(r, JSON.stringify(claims)).toMatchObject({
        ok: false,
        status: 401,
        description: expect.stringMatching(why),
      });
    };
    // A person's token for Recert's API (delegated: scp), even one whose person holds Recert.Auditor.
    await refused(
      { ...app1, scp: "user_impersonation", oid: "9f0e0000-0000-4000-8000-000000000001", sub: "pairwise-sub" },
      /delegated/,
    );
    // An ID token: v2 issuer, the client id as audience, no azp, a pairwise sub.
    await refused(
      {
        ...base,
        iss: v2,
        aud: emu.config.clientId,
        oid: "9f0e0000-0000-4000-8000-000000000001",
        sub: "pairwise-sub",
        ver: "2.0",
        preferred_username: "auditor@contoso.onmicrosoft.com",
      },
      /ID tokens/,
    );
    // A v2 issuer with the App ID URI audience (what the emulator used to issue), and v1 claims under a v2 issuer.
    await refused({ ...app1, iss: v2, ver: "2.0", azp: GRC.id }, /do not belong together/);
    await refused({ ...app1, iss: v2 }, /do not belong together/);
    // idtyp says user.
    await refused({ ...app1, idtyp: "user" }, /delegated/);
    // An app token whose sub is not its own object id.
    await refused({ ...app1, sub: "someone-else" }, /ID tokens/);
  });
});
