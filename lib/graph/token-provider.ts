import "server-only";
import * as oauth from "oauth4webapi";
import { decodeJwt } from "jose";
import { GraphAuthError, parseAuthError } from "./errors";

export interface TokenProviderOptions {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
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
  const auth = oauth.ClientSecretPost(o.clientSecret);
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
        message: `Could not reach the token endpoint ${as.token_endpoint}: ${(e as Error).message}`,
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

/** The application permissions an app-only token carries (its `roles` claim). */
export function tokenRoles(token: string): string[] {
  const roles = decodeJwt(token).roles;
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [];
}
