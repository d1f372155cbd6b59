import { createHash, createPrivateKey, randomUUID, X509Certificate } from "node:crypto";
import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../server";
import {
  appToken,
  CLIENT_ID,
  control,
  pkce,
  REDIRECT,
  SECRET,
  start,
  TENANT,
  WRITE_CLIENT_ID,
  writeToken,
} from "./helpers";
import { makeCertificatePem } from "../../scripts/lib/demo-certificate";

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await start();
});
afterAll(() => emu.close());

const authorizeUrl = (extra: Record<string, string> = {}, tenant = TENANT) =>
  `${emu.url}/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: REDIRECT, response_type: "code", scope: "openid profile email offline_access", state: "st4te", nonce: "n0nce", ...extra })}`;

async function signIn(upn: string, password: string, challenge?: string, tenant = TENANT): Promise<Response> {
  const url = authorizeUrl(challenge ? { code_challenge: challenge, code_challenge_method: "S256" } : {}, tenant);
  const page = await (await fetch(url)).text();
  const form = new URLSearchParams();
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    form.set(m[1]!, m[2]!.replace(/&amp;/g, "&").replace(/&quot;/g, '"'));
  form.set("loginfmt", upn);
  form.set("passwd", password);
  return fetch(url.split("?")[0]!, {
    method: "POST",
    body: form,
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
}

async function exchange(code: string, verifier?: string, secret = SECRET) {
  return fetch(`${emu.url}/${TENANT}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: CLIENT_ID,
      client_secret: secret,
      code,
      redirect_uri: REDIRECT,
      ...(verifier ? { code_verifier: verifier } : {}),
    }),
  });
}

describe("OIDC v2", () => {
  it("serves Entra's discovery document for the tenant id and the domain", async () => {
    for (const t of [TENANT, "contoso.onmicrosoft.com"]) {
      const d = (await (await fetch(`${emu.url}/${t}/v2.0/.well-known/openid-configuration`)).json()) as Record<
        string,
        unknown
      >;
      expect(d.issuer).toBe(`${emu.url}/${TENANT}/v2.0`);
      expect(d.token_endpoint).toBe(`${emu.url}/${TENANT}/oauth2/v2.0/token`);
      expect(d.jwks_uri).toBe(`${emu.url}/${TENANT}/discovery/v2.0/keys`);
      expect(d.id_token_signing_alg_values_supported).toEqual(["RS256"]);
      expect(d.response_modes_supported).toEqual(["query", "fragment", "form_post"]);
    }
    const bad = await fetch(`${emu.url}/00000000-1111-2222-3333-444444444444/v2.0/.well-known/openid-configuration`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error_codes: number[] }).error_codes).toEqual([90002]);
  });

  it("shows a sign-in page with Entra's input names", async () => {
    const html = await (await fetch(authorizeUrl())).text();
    expect(html).toContain('name="loginfmt"');
    expect(html).toContain('name="passwd"');
    expect(html).toContain('id="idSIButton9"');
  });

  it("refuses an unregistered redirect URI without redirecting", async () => {
    const res = await fetch(authorizeUrl({ redirect_uri: "https://evil.example/cb" }), { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("AADSTS50011");
  });

  it("shows Entra's errors for an unknown user and a wrong password", async () => {
    expect(await (await signIn("nobody@contoso.onmicrosoft.com", "recert-demo")).text()).toContain(
      "This username may be incorrect",
    );
    const wrong = await signIn("admin@contoso.onmicrosoft.com", "nope");
    expect(wrong.status).toBe(200);
    expect(await wrong.text()).toContain("Your account or password is incorrect");
  });

  it("runs the authorization-code flow with PKCE and issues v2 ID tokens with Entra's claims", async () => {
    const { verifier, challenge } = pkce();
    const res = await signIn("admin@contoso.onmicrosoft.com", "recert-demo", challenge);
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get("location")!);
    expect(loc.origin + loc.pathname).toBe(REDIRECT);
    expect(loc.searchParams.get("state")).toBe("st4te");
    const tokenRes = await exchange(loc.searchParams.get("code")!, verifier);
    expect(tokenRes.status).toBe(200);
    const tokens = (await tokenRes.json()) as {
      id_token: string;
      access_token: string;
      refresh_token: string;
      token_type: string;
    };
    expect(tokens.token_type).toBe("Bearer");
    const jwks = createRemoteJWKSet(new URL(`${emu.url}/${TENANT}/discovery/v2.0/keys`));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, jwks, {
      issuer: `${emu.url}/${TENANT}/v2.0`,
      audience: CLIENT_ID,
    });
    expect(protectedHeader.alg).toBe("RS256");
    const admin = emu.tenant.userByUpn.get("admin@contoso.onmicrosoft.com")!;
    expect(payload).toMatchObject({
      oid: admin.id,
      tid: TENANT,
      preferred_username: "admin@contoso.onmicrosoft.com",
      name: admin.displayName,
      nonce: "n0nce",
      ver: "2.0",
      roles: ["Recert.Admin"],
    });
    expect(payload.sub).not.toBe(admin.id); // pairwise
    // The code is single use.
    const again = await exchange(loc.searchParams.get("code")!, verifier);
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error_description: string }).error_description).toMatch(/^AADSTS54005/);
    // Refresh tokens rotate.
    const refreshed = await fetch(`${emu.url}/${TENANT}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "refresh_token",
        client_id: CLIENT_ID,
        client_secret: SECRET,
        refresh_token: tokens.refresh_token,
      }),
    });
    expect(refreshed.status).toBe(200);
  });

  it("gives reviewers no roles claim", async () => {
    const res = await signIn("reviewer@contoso.onmicrosoft.com", "recert-demo");
    const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
    const { id_token } = (await (await exchange(code)).json()) as { id_token: string };
    expect(decodeJwt(id_token).roles).toBeUndefined();
  });

  it("rejects a PKCE mismatch and a wrong client secret with AADSTS errors", async () => {
    const { challenge } = pkce();
    const res = await signIn("auditor@contoso.onmicrosoft.com", "recert-demo", challenge);
    const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
    const mismatch = await exchange(code, "x".repeat(43));
    expect(mismatch.status).toBe(400);
    expect(((await mismatch.json()) as { error_codes: number[] }).error_codes).toEqual([501481]);
    const bad = await appToken(emu.url, CLIENT_ID, "wrong");
    expect(bad.status).toBe(401);
    const body = (await bad.json()) as {
      error: string;
      error_description: string;
      trace_id: string;
      correlation_id: string;
    };
    expect(body.error).toBe("invalid_client");
    expect(body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided/);
    expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("issues client-credentials tokens for Graph whose roles are the consented permissions", async () => {
    const res = await appToken(emu.url);
    const body = (await res.json()) as { access_token: string; expires_in: number; token_type: string };
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3599 });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({
      aud: "https://graph.microsoft.com",
      iss: `https://sts.windows.net/${TENANT}/`,
      appid: CLIENT_ID,
      tid: TENANT,
      idtyp: "app",
      ver: "1.0",
    });
    expect(claims.roles).toEqual(expect.arrayContaining(["User.Read.All", "GroupMember.Read.All", "Policy.Read.All"]));
    // The sign-in app reads; the write permissions belong to the write app alone (#16, least privilege).
    expect((claims.roles as string[]).filter((r) => /ReadWrite|EnableDisable/.test(r))).toEqual([]);
    const write = decodeJwt(await writeToken(emu.url));
    expect(write.roles).toEqual(
      expect.arrayContaining([
        "GroupMember.ReadWrite.All",
        "RoleManagement.ReadWrite.Directory",
        "AppRoleAssignment.ReadWrite.All",
        "User.EnableDisableAccount.All",
      ]),
    );
  });

  it("issues Graph tokens for the root it serves, as a national cloud does for its own Graph host", async () => {
    // A client whose GRAPH_BASE_URL is this emulator asks for `${root}/.default` (graphScope); the token is for that
    // root, and this Graph accepts it. Another cloud's Graph is not a resource of this tenant.
    const own = await appToken(emu.url, CLIENT_ID, SECRET, `${emu.url}/.default`);
    expect(own.status).toBe(200);
    const { access_token } = (await own.json()) as { access_token: string };
    expect(decodeJwt(access_token).aud).toBe(emu.url);
    const me = await fetch(`${emu.url}/v1.0/users?$top=1`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(me.status).toBe(200);
    const other = await appToken(emu.url, CLIENT_ID, SECRET, "https://graph.microsoft.us/.default");
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: string }).error).toBe("invalid_scope");
  });
  it("issues tokens for Recert's own API to the GRC client with its app role, in the version Recert's registration asks for", async () => {
    const grc = async () => {
      const res = await appToken(
        emu.url,
        "9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a",
        "grc-demo-client-secret",
        `api://${CLIENT_ID}/.default`,
      );
      return decodeJwt(((await res.json()) as { access_token: string }).access_token);
    };
    // requestedAccessTokenVersion null (Entra's default): v1, the v1 issuer, the App ID URI as audience, appid.
    const v1 = await grc();
    expect(v1).toMatchObject({
      aud: `api://${CLIENT_ID}`,
      iss: `https://sts.windows.net/${TENANT}/`,
      appid: "9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a",
      roles: ["Recert.Auditor"],
      tid: TENANT,
      ver: "1.0",
    });
    expect(v1).not.toHaveProperty("idtyp"); // an optional claim Recert's registration does not request
    await control(emu.url, "POST", `/apps/${CLIENT_ID}/token-version`, { version: 2 });
    try {
      expect(await grc()).toMatchObject({
        aud: CLIENT_ID,
        iss: `${emu.url}/${TENANT}/v2.0`,
        azp: "9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a",
        ver: "2.0",
      });
    } finally {
      await control(emu.url, "POST", `/apps/${CLIENT_ID}/token-version`, { version: null });
    }
    // The v1 metadata names the v1 issuer, which Recert reads instead of assuming the public cloud's.
    const meta = (await (await fetch(`${emu.url}/${TENANT}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
    };
    expect(meta.issuer).toBe(`https://sts.windows.net/${TENANT}/`);
  });
});

// Another organisation in the same cloud, with Recert's client id registered there too (multi-tenant), and the same
// signing keys as every Entra tenant: its people sign in there, never here, and its codes are no good here.
describe("a second tenant in the same cloud", () => {
  const other = { id: "5e3f2a1b-9c8d-4e7f-a6b5-c4d3e2f1a0b9", domain: "northwind.onmicrosoft.com" };

  it("serves its own issuer; its user is told on this tenant's page that the account is not here (AADSTS50020)", async () => {
    const d = (await (await fetch(`${emu.url}/${other.domain}/v2.0/.well-known/openid-configuration`)).json()) as {
      issuer: string;
    };
    expect(d.issuer).toBe(`${emu.url}/${other.id}/v2.0`);
    const here = await signIn(`admin@${other.domain}`, "recert-demo");
    expect(here.status).toBe(400);
    expect(await here.text()).toContain("AADSTS50020");
  });

  it("signs its own user in, with its own tid and issuer, and its code is refused by this tenant's token endpoint", async () => {
    const res = await signIn(`admin@${other.domain}`, "recert-demo", undefined, other.id);
    expect(res.status).toBe(302);
    const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
    const refused = await exchange(code);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe("invalid_grant");
    const again = await signIn(`admin@${other.domain}`, "recert-demo", undefined, other.id);
    const code2 = new URL(again.headers.get("location")!).searchParams.get("code")!;
    const there = await fetch(`${emu.url}/${other.id}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: CLIENT_ID,
        client_secret: SECRET,
        code: code2,
        redirect_uri: REDIRECT,
      }),
    });
    const id = decodeJwt(((await there.json()) as { id_token: string }).id_token);
    expect(id).toMatchObject({ tid: other.id, iss: `${emu.url}/${other.id}/v2.0`, aud: CLIENT_ID });
  });
});

// Certificate credentials as Entra documents them ("application authentication certificate credentials"): an
// assertion names the certificate by thumbprint, is signed by its key, and is for this app and this token endpoint.
describe("client assertions signed with a certificate", () => {
  const pem = makeCertificatePem("emulator test");
  const other = makeCertificatePem("emulator test");
  const cert = (p: string) =>
    new X509Certificate(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(p)![0]);
  const key = (p: string) =>
    createPrivateKey(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(p)![0]);
  const endpoint = () => `${emu.url}/${TENANT}/oauth2/v2.0/token`;
  const assertion = (
    o: {
      signWith?: string;
      thumbOf?: string;
      alg?: "PS256" | "RS256";
      aud?: string;
      iss?: string;
      exp?: number;
      sha1?: boolean;
    } = {},
  ) => {
    const raw = cert(o.thumbOf ?? pem).raw;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({
        alg: o.alg ?? "PS256",
        typ: "JWT",
        ...(o.sha1
          ? { x5t: createHash("sha1").update(raw).digest("base64url") }
          : { "x5t#S256": createHash("sha256").update(raw).digest("base64url") }),
      })
      .setIssuer(o.iss ?? WRITE_CLIENT_ID)
      .setSubject(o.iss ?? WRITE_CLIENT_ID)
      .setAudience(o.aud ?? endpoint())
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(o.exp ?? now + 300)
      .sign(key(o.signWith ?? pem));
  };
  const request = async (a: string, clientId = WRITE_CLIENT_ID) =>
    fetch(endpoint(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: a,
        scope: "https://graph.microsoft.com/.default",
      }),
    });
  const code = async (res: Response) => ((await res.json()) as { error_codes?: number[] }).error_codes?.[0];

  beforeAll(async () => {
    expect(
      (await control(emu.url, "POST", `/apps/${WRITE_CLIENT_ID}/certificates`, { pem, replace: true })).status,
    ).toBe(200);
  });

  it("issues a token for an assertion signed by a registered certificate (PS256 + x5t#S256, or RS256 + x5t)", async () => {
    const res = await request(await assertion());
    expect(res.status).toBe(200);
    const claims = decodeJwt(((await res.json()) as { access_token: string }).access_token);
    expect(claims).toMatchObject({ appid: WRITE_CLIENT_ID, idtyp: "app" });
    expect(claims.roles).toContain("GroupMember.ReadWrite.All");
    expect((await request(await assertion({ alg: "RS256", sha1: true }))).status).toBe(200);
  });

  it("refuses an unregistered certificate, a forged signature, another audience, another app and an expired assertion", async () => {
    const unknown = await request(await assertion({ signWith: other, thumbOf: other }));
    expect([unknown.status, await code(unknown)]).toEqual([401, 700027]);
    // The attacker copies the registered certificate's thumbprint but signs with their own key.
    const forged = await request(await assertion({ signWith: other }));
    expect([forged.status, await code(forged)]).toEqual([401, 700027]);
    const aud = await request(await assertion({ aud: `${emu.url}/${TENANT}/v2.0` }));
    expect([aud.status, await code(aud)]).toEqual([401, 700027]);
    const app = await request(await assertion({ iss: CLIENT_ID }));
    expect([app.status, await code(app)]).toEqual([401, 700021]);
    const expired = await request(await assertion({ exp: Math.floor(Date.now() / 1000) - 3600 }));
    expect([expired.status, await code(expired)]).toEqual([401, 700024]);
    // A certificate registered on the write app is no credential for the sign-in app.
    const elsewhere = await request(await assertion({ iss: CLIENT_ID }), CLIENT_ID);
    expect([elsewhere.status, await code(elsewhere)]).toEqual([401, 700027]);
  });
});
