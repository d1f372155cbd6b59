import "server-only";
import NextAuth, { type NextAuthResult } from "next-auth";
import MicrosoftEntraID from "next-auth/providers/microsoft-entra-id";
import { env } from "@/lib/env";
import { roleFromClaims, signInRefusal, type Role } from "./roles";
import { recordSignIn } from "./record-sign-in";
import { revokeSessions, standingOf } from "./standing";
import { appCtx } from "@/lib/db";
import { logError } from "@/lib/log";

declare module "next-auth" {
  interface Session {
    user: { id: string; name: string; email: string; upn: string; role: Role; tenantId: string; signedInAt: number };
  }
}

/** How often a live session's role and account are re-read from the directory (and at every write, in guards). */
const RECHECK_MS = 5 * 60_000;

interface EntraClaims {
  oid?: string;
  tid?: string;
  name?: string;
  email?: string;
  preferred_username?: string;
  roles?: unknown;
}

/**
 * Everything comes from env: the same code signs in against Entra or the emulator. JWT sessions keep the
 * resolved identity (oid, tenant, role) in an encrypted, HttpOnly cookie; nothing is read from the client.
 */
function build(): NextAuthResult {
  const e = env();
  return NextAuth({
    secret: e.AUTH_SECRET,
    // Self-hosted behind a proxy the public host is the request's; set AUTH_URL to pin it.
    trustHost: true,
    session: { strategy: "jwt", maxAge: 8 * 60 * 60 },
    pages: { signIn: "/signin", error: "/signin" },
    providers: [
      entraProvider({
        clientId: e.AUTH_MICROSOFT_ENTRA_ID_ID,
        clientSecret: e.AUTH_MICROSOFT_ENTRA_ID_SECRET,
        issuer: e.AUTH_MICROSOFT_ENTRA_ID_ISSUER,
        authorization: { params: { scope: "openid profile email" } },
        // The stock profile() fetches a photo from a hard-coded Graph host; Recert needs only the claims.
        profile(profile: EntraClaims) {
          return {
            id: profile.oid ?? "",
            name: profile.name ?? "",
            email: profile.email ?? profile.preferred_username ?? "",
          };
        },
      }),
    ],
    events: {
      // Sign-out ends the session on the server too: every session of this person issued before now stops
      // working, so a copied cookie is useless. Runs inside Auth.js's own sign-out, with the decoded session.
      async signOut(message) {
        const oid = "token" in message ? message.token?.oid : undefined;
        if (typeof oid === "string" && oid)
          await revokeSessions(appCtx(), oid).catch((err: unknown) =>
            logError("could not end sessions on the server", err),
          );
      },
    },
    callbacks: {
      signIn({ profile }) {
        const refusal = signInRefusal((profile ?? {}) as EntraClaims, e.ENTRA_TENANT_ID);
        return refusal ? `/signin?error=${refusal}` : true;
      },
      async jwt({ token, profile }) {
        const now = Date.now();
        if (profile) {
          token.signedInAt = now;
          token.checkedAt = now;
          const claims = profile as EntraClaims;
          token.oid = claims.oid;
          token.tid = claims.tid;
          token.upn = claims.preferred_username ?? "";
          token.name = claims.name ?? "";
          token.email = claims.email ?? claims.preferred_username ?? "";
          token.role = roleFromClaims(claims.roles);
          await recordSignIn({
            id: String(claims.oid),
            tenantId: String(claims.tid),
            displayName: String(claims.name ?? ""),
            upn: String(claims.preferred_username ?? ""),
            role: token.role as Role,
          }).catch((err: unknown) => logError("could not record sign-in", err));
          return token;
        }
        // Sessions end: after the absolute lifetime whatever the activity, and when the directory says the person
        // was signed out, disabled or deleted; the role follows Entra's app role assignments (standing.ts).
        const signedInAt = Number(token.signedInAt ?? 0);
        if (!signedInAt || now - signedInAt > e.RECERT_SESSION_HOURS * 3_600_000) return null;
        if (now - Number(token.checkedAt ?? 0) >= RECHECK_MS) {
          const standing = await standingOf(appCtx(), {
            userId: String(token.oid),
            clientId: e.AUTH_MICROSOFT_ENTRA_ID_ID,
            signedInAt,
          }).catch(() => undefined);
          if (standing && !standing.ok) return null;
          if (standing?.role) token.role = standing.role;
          token.checkedAt = now;
        }
        return token;
      },
      session({ session, token }) {
        session.user = {
          ...session.user,
          id: String(token.oid ?? ""),
          name: String(token.name ?? ""),
          email: String(token.email ?? ""),
          upn: String(token.upn ?? ""),
          role: (token.role as Role) ?? "reviewer",
          tenantId: String(token.tid ?? ""),
          signedInAt: Number(token.signedInAt ?? 0),
        };
        return session;
      },
    },
  });
}

/**
 * The Entra ID provider, as shipped. Its Entra-specific callback step re-fetches the discovery document
 * without Auth.js's allowance for http:// issuers, which only the emulator uses; over http that step is
 * switched off (oauth4webapi still rejects error responses and validates the ID token). Over https, as
 * against real Entra, the provider runs unchanged.
 */
function entraProvider(options: Parameters<typeof MicrosoftEntraID>[0]): ReturnType<typeof MicrosoftEntraID> {
  const provider = MicrosoftEntraID(options);
  if (String(options.issuer).startsWith("http://")) {
    for (const sym of Object.getOwnPropertySymbols(provider)) {
      if (sym.description === "conform-internal") (provider as unknown as Record<symbol, unknown>)[sym] = false;
    }
  }
  return provider;
}

let instance: NextAuthResult | undefined;
/** Built on first use so `next build` does not need the runtime configuration. */
export function nextAuth(): NextAuthResult {
  instance ??= build();
  return instance;
}
