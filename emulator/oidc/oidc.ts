import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { type EmulatorConfig, ownGraphRoots } from "../config";
import { aadError, formBody, html, json, redirect, escapeHtml, type Req, type Res } from "../http";
import type { EApp, EUser, Tenant } from "../tenant/model";
import { ASSERTION_TYPE, checkClientAssertion } from "./client-assertion";
import { opaqueToken, sign, type KeySet } from "./keys";
import { errorPage, signInPage } from "./sign-in-page";

const GRAPH_AUDIENCE = "https://graph.microsoft.com";
const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

interface AuthCode {
  clientId: string;
  redirectUri: string;
  userId: string;
  scope: string;
  nonce?: string;
  challenge?: string;
  challengeMethod?: string;
  expiresAt: number;
  used: boolean;
}

interface Refresh {
  clientId: string;
  userId: string;
  scope: string;
}

export class Oidc {
  private codes = new Map<string, AuthCode>();
  private refreshTokens = new Map<string, Refresh>();

  constructor(
    private readonly cfg: EmulatorConfig,
    private readonly tenant: () => Tenant,
    private readonly keys: KeySet,
    /** The cloud's other tenants: their users are told, as Entra tells them, that they are not in this one. */
    private readonly others: () => Tenant[] = () => [],
  ) {}

  private get t(): Tenant {
    return this.tenant();
  }
  private issuerV2(): string {
    return `${this.cfg.publicUrl}/${this.t.id}/v2.0`;
  }
  /** The v1 issuer. Entra's public cloud uses sts.windows.net whatever host the token came from. */
  private issuerV1(): string {
    return `https://sts.windows.net/${this.t.id}/`;
  }
  private knownTenant(segment: string): boolean {
    return (
      segment === this.t.id ||
      segment.toLowerCase() === this.t.domain ||
      segment === "organizations" ||
      segment === "common"
    );
  }

  /** Routes under /{tenant}/…; undefined when the path is not OIDC. */
  async handle(req: Req): Promise<Res | undefined> {
    const m =
      /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|\.well-known\/openid-configuration|oauth2\/v2\.0\/authorize|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys|discovery\/keys|oauth2\/v2\.0\/logout)$/.exec(
        req.path,
      );
    if (!m) return undefined;
    const [, tenantSegment, endpoint] = m;
    if (!this.knownTenant(tenantSegment!)) {
      if (endpoint!.endsWith("authorize"))
        return html(
          400,
          errorPage(
            90002,
            `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
          ),
        );
      return aadError(
        400,
        "invalid_tenant",
        90002,
        `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    switch (endpoint) {
      case "v2.0/.well-known/openid-configuration":
        return json(200, this.discovery());
      case ".well-known/openid-configuration":
        return json(200, this.discoveryV1());
      case "discovery/v2.0/keys":
      case "discovery/keys":
        return json(200, { keys: [this.keys.jwk] });
      case "oauth2/v2.0/authorize":
        return req.method === "POST" ? this.authorizePost(req) : this.authorizeGet(req);
      case "oauth2/v2.0/token":
        if (req.method !== "POST")
          return aadError(405, "invalid_request", 900561, "The endpoint only accepts POST requests.");
        return this.token(req);
      case "oauth2/v2.0/logout": {
        const to = req.url.searchParams.get("post_logout_redirect_uri");
        return to
          ? redirect(to)
          : html(200, "<!doctype html><title>Signed out</title><h1>You signed out of your account</h1>");
      }
    }
    return undefined;
  }

  /** The v1 endpoint's metadata: its issuer is the v1 token issuer (sts.windows.net in the public cloud). */
  discoveryV1() {
    const base = `${this.cfg.publicUrl}/${this.t.id}`;
    return {
      token_endpoint: `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${base}/discovery/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "token id_token", "token"],
      scopes_supported: ["openid"],
      issuer: this.issuerV1(),
      authorization_endpoint: `${base}/oauth2/authorize`,
      end_session_endpoint: `${base}/oauth2/logout`,
      tenant_region_scope: "NA",
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
    };
  }

  discovery() {
    const base = `${this.cfg.publicUrl}/${this.t.id}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: this.issuerV2(),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.cfg.publicUrl}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: [
        "sub",
        "iss",
        "cloud_instance_name",
        "cloud_instance_host_name",
        "cloud_graph_host_name",
        "msgraph_host",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "acr",
        "nonce",
        "preferred_username",
        "name",
        "tid",
        "ver",
        "at_hash",
        "c_hash",
        "email",
      ],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: "NA",
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
      rbac_url: "https://pas.windows.net",
    };
  }

  private app(clientId: string | null | undefined): EApp | undefined {
    return this.t.apps.find((a) => a.clientId === clientId);
  }

  private authParams(p: URLSearchParams): Record<string, string> {
    const keep = [
      "client_id",
      "redirect_uri",
      "response_type",
      "response_mode",
      "scope",
      "state",
      "nonce",
      "code_challenge",
      "code_challenge_method",
      "prompt",
      "login_hint",
    ];
    const out: Record<string, string> = {};
    for (const k of keep) {
      const v = p.get(k);
      if (v !== null) out[k] = v;
    }
    return out;
  }

  /** Checks that must pass before any page is shown: errors here never redirect (an unregistered URI could be an attacker's). */
  private checkAuthorize(p: Record<string, string>): Res | EApp {
    const app = this.app(p.client_id);
    if (!app)
      return html(
        400,
        errorPage(
          700016,
          `Application with identifier '${p.client_id ?? ""}' was not found in the directory '${this.t.organization.displayName}'.`,
        ),
      );
    if (!p.redirect_uri || !app.redirectUris.includes(p.redirect_uri)) {
      return html(
        400,
        errorPage(
          50011,
          `The redirect URI '${p.redirect_uri ?? ""}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'.`,
        ),
      );
    }
    if (p.response_type !== "code")
      return html(
        400,
        errorPage(700054, "response_type 'id_token' is not enabled for the application; only 'code' is supported."),
      );
    if (p.code_challenge && p.code_challenge_method !== "S256")
      return html(400, errorPage(501491, "Invalid code_challenge_method: only S256 is supported."));
    return app;
  }

  private authorizeGet(req: Req): Res {
    const p = this.authParams(req.url.searchParams);
    const app = this.checkAuthorize(p);
    if (!("clientId" in app)) return app;
    return html(
      200,
      signInPage({ action: req.url.pathname, hidden: p, appName: app.displayName, loginfmt: p.login_hint }),
    );
  }

  private authorizePost(req: Req): Res {
    const form = formBody(req);
    const p = this.authParams(form);
    const app = this.checkAuthorize(p);
    if (!("clientId" in app)) return app;
    const loginfmt = (form.get("loginfmt") ?? "").trim();
    const page = (error: string) =>
      html(200, signInPage({ action: req.url.pathname, hidden: p, appName: app.displayName, error, loginfmt }));
    const user = this.t.userByUpn.get(loginfmt.toLowerCase());
    const elsewhere = user ? undefined : this.others().find((o) => o.userByUpn.has(loginfmt.toLowerCase()));
    if (elsewhere)
      return html(
        400,
        errorPage(
          50020,
          `User account '${escapeHtml(loginfmt)}' from identity provider 'https://sts.windows.net/${elsewhere.id}/' does not exist in tenant '${escapeHtml(this.t.organization.displayName ?? "")}' and cannot access the application '${app.clientId}'(${escapeHtml(app.displayName)}) in that tenant. The account needs to be added as an external user in the tenant first.`,
        ),
      );
    if (!user)
      return page("This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.");
    if (!safeEqual(form.get("passwd") ?? "", this.t.password))
      return page("Your account or password is incorrect. If you don't remember your password, reset it now.");
    if (!user.accountEnabled)
      return page("Your account has been locked. Contact your support person to unlock it, then try again.");
    const code = randomBytes(32).toString("base64url");
    this.codes.set(code, {
      clientId: app.clientId,
      redirectUri: p.redirect_uri!,
      userId: user.id,
      scope: p.scope ?? "openid",
      nonce: p.nonce,
      challenge: p.code_challenge,
      challengeMethod: p.code_challenge_method,
      expiresAt: Date.now() + 10 * 60_000,
      used: false,
    });
    const params = new URLSearchParams({ code, ...(p.state ? { state: p.state } : {}), session_state: randomUUID() });
    if (p.response_mode === "form_post") {
      const inputs = [...params]
        .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
        .join("");
      return html(
        200,
        `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(p.redirect_uri!)}">${inputs}<noscript><button>Continue</button></noscript></form></body></html>`,
      );
    }
    const sep = p.redirect_uri!.includes("?") ? "&" : "?";
    return redirect(`${p.redirect_uri}${sep}${params}`);
  }

  private clientAuth(req: Req, form: URLSearchParams): { clientId?: string; secret?: string; assertion?: string } {
    const h = req.headers.authorization;
    if (h?.startsWith("Basic ")) {
      const [id, secret] = Buffer.from(h.slice(6), "base64").toString("utf8").split(":", 2);
      return { clientId: decodeURIComponent(id ?? ""), secret: decodeURIComponent(secret ?? "") };
    }
    const assertion = form.get("client_assertion") ?? undefined;
    // Without client_id, Entra takes the client from the assertion's issuer.
    let clientId = form.get("client_id") ?? undefined;
    if (!clientId && assertion) {
      try {
        const iss = JSON.parse(Buffer.from(assertion.split(".")[1] ?? "", "base64url").toString("utf8")).iss;
        clientId = typeof iss === "string" ? iss : undefined;
      } catch {
        clientId = undefined;
      }
    }
    return { clientId, secret: form.get("client_secret") ?? undefined, assertion };
  }

  /** The token endpoint URLs an assertion may name as its audience: this tenant's, by id or domain. */
  private tokenEndpoints(): string[] {
    return [this.t.id, this.t.domain].map((seg) => `${this.cfg.publicUrl}/${seg}/oauth2/v2.0/token`);
  }

  private async token(req: Req): Promise<Res> {
    const form = formBody(req);
    const { clientId, secret, assertion } = this.clientAuth(req, form);
    const app = this.app(clientId);
    if (!app)
      return aadError(
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId ?? ""}' was not found in the directory '${this.t.organization.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      );
    if (assertion) {
      if (form.get("client_assertion_type") !== ASSERTION_TYPE)
        return aadError(
          400,
          "invalid_request",
          50027,
          `client_assertion_type must be '${ASSERTION_TYPE}' when a client_assertion is sent.`,
        );
      const refused = await checkClientAssertion({
        assertion,
        clientId: app.clientId,
        keys: app.keyCredentials ?? [],
        tokenEndpoints: this.tokenEndpoints(),
      });
      if (refused) return refused;
    } else {
      if (!secret)
        return aadError(
          401,
          "invalid_client",
          7000218,
          "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
      if (app.secret === null || !safeEqual(secret, app.secret))
        return aadError(
          401,
          "invalid_client",
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
        );
      if (app.secretExpired)
        return aadError(
          401,
          "invalid_client",
          7000222,
          `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app.`,
        );
    }
    const grant = form.get("grant_type");
    switch (grant) {
      case "client_credentials":
        return this.clientCredentials(app, form.get("scope") ?? "");
      case "authorization_code":
        return this.authorizationCode(app, form);
      case "refresh_token":
        return this.refresh(app, form);
      default:
        return aadError(
          400,
          "unsupported_grant_type",
          70003,
          `The app requested an unsupported grant type '${grant ?? ""}'.`,
        );
    }
  }

  private async clientCredentials(app: EApp, scope: string): Promise<Res> {
    const life = this.cfg.tokenLifetimeS;
    // Graph's resource: the global identifier, or this emulator's own URL, which is the Graph root it serves (as a
    // national cloud's token is for graph.microsoft.us or microsoftgraph.chinacloudapi.cn). The token's audience is
    // the resource asked for.
    const own = ownGraphRoots(this.cfg);
    const graphResource = [GRAPH_AUDIENCE, GRAPH_APP_ID, ...own].find((r) => scope === `${r}/.default`);
    if (graphResource) {
      const roles = [...app.graphPermissions];
      const access = await sign(
        this.keys,
        {
          aud: own.includes(graphResource) ? graphResource : GRAPH_AUDIENCE,
          iss: `https://sts.windows.net/${this.t.id}/`,
          idp: `https://sts.windows.net/${this.t.id}/`,
          appid: app.clientId,
          app_displayname: app.displayName,
          appidacr: "1",
          idtyp: "app",
          oid: app.servicePrincipalId,
          sub: app.servicePrincipalId,
          tid: this.t.id,
          ...(roles.length ? { roles } : {}),
          ver: "1.0",
        },
        life,
      );
      const token = app.opaqueGraphTokens ? opaqueToken(this.keys, access) : access;
      return json(200, { token_type: "Bearer", expires_in: life, ext_expires_in: life, access_token: token });
    }
    const target = this.t.apps.find(
      (a) => a.identifierUris.some((u) => scope === `${u}/.default`) || scope === `api://${a.clientId}/.default`,
    );
    if (!target)
      return aadError(
        400,
        "invalid_scope",
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    const sp = this.t.spById.get(target.servicePrincipalId);
    const roles = this.t.appRoleAssignments
      .filter((a) => a.resourceId === target.servicePrincipalId && a.principalId === app.servicePrincipalId)
      .map((a) => sp?.appRoles.find((r) => r.id === a.appRoleId)?.value)
      .filter((v): v is string => Boolean(v));
    // The token version is the resource's choice (requestedAccessTokenVersion; null means v1), not the caller's:
    // v1 has the v1 issuer, the App ID URI asked for as audience and `appid`; v2 the v2 issuer, the client id as
    // audience and `azp` (Microsoft, "Access tokens in the Microsoft identity platform"). `idtyp` is an optional
    // claim Recert's registration does not ask for, so app tokens come without it.
    const common = {
      oid: app.servicePrincipalId,
      sub: app.servicePrincipalId,
      tid: this.t.id,
      ...(roles.length ? { roles } : {}),
    };
    const resource = scope.replace(/\/\.default$/, "");
    const claims =
      target.accessTokenVersion === 2
        ? { ...common, aud: target.clientId, iss: this.issuerV2(), azp: app.clientId, azpacr: "1", ver: "2.0" }
        : {
            ...common,
            aud: resource,
            iss: this.issuerV1(),
            idp: this.issuerV1(),
            appid: app.clientId,
            appidacr: "1",
            ver: "1.0",
          };
    const access = await sign(this.keys, claims, life);
    return json(200, { token_type: "Bearer", expires_in: life, ext_expires_in: life, access_token: access });
  }

  private async authorizationCode(app: EApp, form: URLSearchParams): Promise<Res> {
    const code = form.get("code") ?? "";
    const entry = this.codes.get(code);
    if (!entry || entry.clientId !== app.clientId)
      return aadError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
    if (entry.used)
      return aadError(
        400,
        "invalid_grant",
        54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
      );
    entry.used = true;
    if (entry.expiresAt < Date.now())
      return aadError(
        400,
        "invalid_grant",
        70008,
        "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
      );
    if (form.get("redirect_uri") !== entry.redirectUri)
      return aadError(
        400,
        "invalid_grant",
        500117,
        "The reply uri specified in the request does not match the reply uri used in the authorization request.",
      );
    if (entry.challenge) {
      const verifier = form.get("code_verifier") ?? "";
      const computed = createHash("sha256").update(verifier).digest("base64url");
      if (!verifier)
        return aadError(
          400,
          "invalid_grant",
          501481,
          "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        );
      if (computed !== entry.challenge)
        return aadError(
          400,
          "invalid_grant",
          501481,
          "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        );
    }
    const user = this.t.userById.get(entry.userId);
    if (!user?.accountEnabled) return aadError(400, "invalid_grant", 50057, "The user account is disabled.");
    return this.userTokens(app, user, entry.scope, entry.nonce);
  }

  private async refresh(app: EApp, form: URLSearchParams): Promise<Res> {
    const rt = form.get("refresh_token") ?? "";
    const entry = this.refreshTokens.get(rt);
    if (!entry || entry.clientId !== app.clientId)
      return aadError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
    this.refreshTokens.delete(rt);
    const user = this.t.userById.get(entry.userId);
    if (!user?.accountEnabled) return aadError(400, "invalid_grant", 50057, "The user account is disabled.");
    return this.userTokens(app, user, entry.scope);
  }

  /** App roles a user holds on an app: direct assignments and assignments to groups the user is in. */
  rolesOf(app: EApp, user: EUser): string[] {
    const sp = this.t.spById.get(app.servicePrincipalId);
    if (!sp) return [];
    const values = new Set<string>();
    for (const a of this.t.appRoleAssignments) {
      if (a.resourceId !== sp.id) continue;
      const holds =
        a.principalId === user.id ||
        (a.principalType === "Group" && this.t.groupById.get(a.principalId)?.members.has(user.id));
      const v = holds ? sp.appRoles.find((r) => r.id === a.appRoleId)?.value : undefined;
      if (v) values.add(v);
    }
    return [...values];
  }

  private async userTokens(app: EApp, user: EUser, scope: string, nonce?: string): Promise<Res> {
    const life = this.cfg.tokenLifetimeS;
    const roles = this.rolesOf(app, user);
    const sub = createHash("sha256").update(`${user.id}:${app.clientId}`).digest("base64url").slice(0, 43);
    const common = { name: user.displayName, oid: user.id, tid: this.t.id, preferred_username: user.userPrincipalName };
    const idToken = await sign(
      this.keys,
      {
        aud: app.clientId,
        iss: this.issuerV2(),
        sub,
        ...common,
        ...(user.mail ? { email: user.mail } : {}),
        ...(nonce ? { nonce } : {}),
        ...(roles.length ? { roles } : {}),
        aio: randomBytes(24).toString("base64url"),
        ver: "2.0",
      },
      life,
    );
    const delegated =
      scope
        .split(/\s+/)
        .filter((s) => s && !["openid", "profile", "email", "offline_access"].includes(s))
        .join(" ") || "User.Read";
    const access = await sign(
      this.keys,
      {
        aud: GRAPH_AUDIENCE,
        iss: `https://sts.windows.net/${this.t.id}/`,
        appid: app.clientId,
        app_displayname: app.displayName,
        idtyp: "user",
        scp: `openid profile email ${delegated}`,
        sub,
        ...common,
        upn: user.userPrincipalName,
        unique_name: user.userPrincipalName,
        ver: "1.0",
      },
      life,
    );
    const body: Record<string, unknown> = {
      token_type: "Bearer",
      scope: `${delegated} openid profile email`,
      expires_in: life,
      ext_expires_in: life,
      access_token: access,
      id_token: idToken,
    };
    if (scope.split(/\s+/).includes("offline_access")) {
      const rt = randomBytes(48).toString("base64url");
      this.refreshTokens.set(rt, { clientId: app.clientId, userId: user.id, scope });
      body.refresh_token = rt;
    }
    return json(200, body);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
