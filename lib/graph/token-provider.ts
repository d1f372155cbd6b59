import "server-only";
import * as oauth from "oauth4webapi";
import { decodeJwt } from "jose";
import type { CertificateCredential } from "./certificate";
import { GraphAuthError, networkReason, parseAuthError } from "./errors";

export interface TokenProviderOptions {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  /** One of the two: a client secret, or (recommended) a certificate that signs a client assertion. */
  clientSecret?: string;
  certificate?: CertificateCredential;
  /** What the token is for; Graph's is an identifier, never a host to call. */
  scope?: string;
}

export interface TokenProvider {
  getToken(): Promise<string>;
  /** Forget the cached token (after Graph said it expired or was revoked). */
  invalidate(): void;
  readonly tokenRequests: number;
}

const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Client-credentials tokens through oauth4webapi. MSAL refuses http:// authorities, and the emulator
 * the tests run against is one; oauth4webapi allows them when asked, which we do only for http://.
 */
export function createTokenProvider(o: TokenProviderOptions): TokenProvider {
  const authority = o.authorityHost.replace(/\/+$/, "");
  const insecure = authority.startsWith("http://");
  const as: oauth.AuthorizationServer = {
    issuer: `${authority}/${o.tenantId}/v2.0`,
    token_endpoint: `${authority}/${o.tenantId}/oauth2/v2.0/token`,
  };
  const client: oauth.Client = { client_id: o.clientId };
  const auth = clientAuth(o, as);
  let cached: { token: string; refreshAt: number } | undefined;
  let inflight: Promise<string> | undefined;
  let tokenRequests = 0;

  async function fetchToken(): Promise<string> {
    tokenRequests++;
    let response: Response;
    try {
      response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        auth,
        new URLSearchParams({ scope: o.scope ?? "https://graph.microsoft.com/.default" }),
        insecure ? { [oauth.allowInsecureRequests]: true } : {},
      );
    } catch (e) {
      throw new GraphAuthError({
        code: "network_error",
        message: `Could not reach the token endpoint ${as.token_endpoint}: ${networkReason(e)}`,
      });
    }
    try {
      const result = await oauth.processClientCredentialsResponse(as, client, response);
      const lifetimeMs = (result.expires_in ?? 3599) * 1000;
      cached = {
        token: result.access_token,
        refreshAt: Date.now() + Math.max(lifetimeMs - REFRESH_MARGIN_MS, lifetimeMs / 2),
      };
      return result.access_token;
    } catch (e) {
      if (e instanceof oauth.ResponseBodyError) throw parseAuthError(e.cause, e.status);
      throw new GraphAuthError({
        code: "invalid_response",
        message: `Unexpected answer from the token endpoint: ${(e as Error).message}`,
      });
    }
  }

  return {
    get tokenRequests() {
      return tokenRequests;
    },
    async getToken() {
      if (cached && cached.refreshAt > Date.now()) return cached.token;
      // Concurrent callers share one request.
      inflight ??= fetchToken().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/**
 * How the app proves who it is. A certificate signs a client assertion as Microsoft documents it
 * ("application authentication certificate credentials"): PS256, header `x5t#S256` (the certificate's SHA-256
 * thumbprint), `aud` the token endpoint (oauth4webapi would put the issuer there), `iss` = `sub` = the client id, a
 * fresh `jti`, valid for a minute.
 */
function clientAuth(o: TokenProviderOptions, as: oauth.AuthorizationServer): oauth.ClientAuth {
  if (o.certificate && o.clientSecret)
    throw new Error("Give the token provider a client secret or a certificate, not both.");
  if (o.clientSecret) return oauth.ClientSecretPost(o.clientSecret);
  const cert = o.certificate;
  if (!cert) throw new Error("The token provider needs a client secret or a certificate.");
  let key: Promise<CryptoKey> | undefined;
  return async (server, c, body, headers) => {
    key ??= crypto.subtle.importKey(
      "pkcs8",
      cert.privateKey.export({ type: "pkcs8", format: "der" }),
      { name: "RSA-PSS", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const sign = oauth.PrivateKeyJwt(await key, {
      [oauth.modifyAssertion]: (header, payload) => {
        header.typ = "JWT";
        header["x5t#S256"] = cert.thumbprintS256;
        payload.aud = as.token_endpoint;
      },
    });
    return sign(server, c, body, headers);
  };
}

/** The application permissions an app-only token carries (its `roles` claim). */
export function tokenRoles(token: string): string[] {
  const roles = decodeJwt(token).roles;
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [];
}
