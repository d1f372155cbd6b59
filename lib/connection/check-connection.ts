import "server-only";
import { createGraphClient, GraphAuthError, GraphError, tokenRoles } from "../graph";
import type { GraphConnection } from "./graph-client";

export interface ConnectionProblem {
  kind: "tenant" | "app" | "secret" | "permission" | "licence" | "network" | "unexpected";
  message: string;
  fix: string;
  /** A sync cannot work until this is fixed (scheduled syncs pause); false for licences and write permissions. */
  blocksSync: boolean;
}

export interface ConnectionHealth {
  status: "healthy" | "needs_attention";
  checkedAt: string;
  problems: ConnectionProblem[];
  permissions: { name: string; granted: boolean; usedFor: string }[];
  probes: { name: string; ok: boolean; status: number; code?: string }[];
}

/** The application permissions Recert needs, and why (README lists the same). */
export const REQUIRED_PERMISSIONS: { name: string; usedFor: string }[] = [
  { name: "Organization.Read.All", usedFor: "tenant name and domains" },
  { name: "User.Read.All", usedFor: "users, guests, managers and sponsors" },
  { name: "AuditLog.Read.All", usedFor: "sign-in activity and MFA registration details" },
  { name: "GroupMember.Read.All", usedFor: "groups, members and owners" },
  { name: "RoleManagement.Read.Directory", usedFor: "directory roles and their assignments" },
  { name: "Application.Read.All", usedFor: "enterprise apps and app role assignments" },
  { name: "Policy.Read.All", usedFor: "conditional-access policies" },
  { name: "GroupMember.ReadWrite.All", usedFor: "removing revoked group members" },
  { name: "RoleManagement.ReadWrite.Directory", usedFor: "removing revoked role assignments" },
  { name: "AppRoleAssignment.ReadWrite.All", usedFor: "removing revoked app assignments" },
  { name: "User.EnableDisableAccount.All", usedFor: "blocking sign-in when access expires" },
];

const PROBES: { name: string; path: string; premium?: string }[] = [
  { name: "organization", path: "/organization" },
  { name: "users", path: "/users?$top=1&$select=id" },
  {
    name: "sign-in activity",
    path: "/users?$top=1&$select=id,signInActivity",
    premium: "sign-in activity (inactivity recommendations)",
  },
  { name: "groups", path: "/groups?$top=1&$select=id" },
  { name: "directory roles", path: "/roleManagement/directory/roleDefinitions?$top=1" },
  { name: "enterprise apps", path: "/servicePrincipals?$top=1&$select=id" },
  {
    name: "MFA registration",
    path: "/reports/authenticationMethods/userRegistrationDetails?$top=1",
    premium: "MFA registration details (MFA coverage)",
  },
  {
    name: "conditional access",
    path: "/identity/conditionalAccess/policies?$top=1",
    premium: "conditional-access policies (enforcement charts)",
  },
];

const AUTH_PROBLEMS: Record<string, Omit<ConnectionProblem, "message" | "blocksSync"> & { message?: string }> = {
  AADSTS90002: {
    kind: "tenant",
    message: "The tenant was not found.",
    fix: "Check ENTRA_TENANT_ID: it must be your directory (tenant) id.",
  },
  AADSTS700016: {
    kind: "app",
    message: "No application with this client id exists in the tenant.",
    fix: "Check the client id (Settings, or GRAPH_CLIENT_ID / AUTH_MICROSOFT_ENTRA_ID_ID) against the app registration's Application (client) id.",
  },
  AADSTS7000215: {
    kind: "secret",
    message: "The client secret is wrong.",
    fix: "Copy the secret's Value (not its Secret ID) into Settings (or GRAPH_CLIENT_SECRET / AUTH_MICROSOFT_ENTRA_ID_SECRET).",
  },
  AADSTS7000222: {
    kind: "secret",
    message: "The client secret has expired.",
    fix: "Create a new client secret on the app registration and save it in Settings (or GRAPH_CLIENT_SECRET / AUTH_MICROSOFT_ENTRA_ID_SECRET).",
  },
};

/**
 * An honest health check. A token is issued even when permissions lack admin consent, so the token's
 * `roles` claim is compared with what Recert needs, then every endpoint is probed: a 403 there is either a
 * missing permission or a missing Entra ID P1/P2 licence, and Graph's error code tells which.
 */
export async function checkConnection(c: GraphConnection): Promise<ConnectionHealth> {
  const checkedAt = new Date().toISOString();
  const graph = createGraphClient({ ...c, retryBudgetMs: c.retryBudgetMs ?? 15_000, maxConcurrency: 4 });
  const problems: ConnectionProblem[] = [];
  let token: string;
  try {
    token = await graph.tokens.getToken();
  } catch (e) {
    if (e instanceof GraphAuthError) {
      const known = e.aadsts ? AUTH_PROBLEMS[e.aadsts] : undefined;
      problems.push(
        known
          ? { kind: known.kind, message: `${known.message} (${e.aadsts})`, fix: known.fix, blocksSync: true }
          : e.code === "network_error"
            ? {
                kind: "network",
                message: e.message,
                fix: "Check ENTRA_AUTHORITY_HOST and that this server can reach it.",
                blocksSync: true,
              }
            : {
                kind: "unexpected",
                message: `${e.aadsts ?? e.code}: ${e.message}`,
                fix: "See the Entra sign-in logs for the service principal.",
                blocksSync: true,
              },
      );
    } else
      problems.push({
        kind: "unexpected",
        message: (e as Error).message,
        fix: "Check the configuration.",
        blocksSync: true,
      });
    return {
      status: "needs_attention",
      checkedAt,
      problems,
      permissions: REQUIRED_PERMISSIONS.map((p) => ({ ...p, granted: false })),
      probes: [],
    };
  }
  const granted = new Set(tokenRoles(token));
  const permissions = REQUIRED_PERMISSIONS.map((p) => ({ ...p, granted: granted.has(p.name) }));
  for (const p of permissions) {
    const write = p.name.includes("ReadWrite") || p.name.startsWith("User.EnableDisable");
    if (!p.granted)
      problems.push({
        kind: "permission",
        message: `${p.name} has no admin consent: Recert cannot ${write ? "apply" : "read"} ${p.usedFor}.`,
        fix: `In the app registration, API permissions → add Microsoft Graph application permission ${p.name} → Grant admin consent.`,
        blocksSync: !write,
      });
  }
  const probes = await Promise.all(
    PROBES.map(async (probe) => {
      try {
        await graph.get(probe.path);
        return { name: probe.name, ok: true, status: 200 };
      } catch (e) {
        const err =
          e instanceof GraphError
            ? e
            : new GraphError({ status: 0, code: "unexpected", message: (e as Error).message });
        if (err.code === "Authentication_RequestFromNonPremiumTenantOrB2CTenant" && probe.premium) {
          problems.push({
            kind: "licence",
            message: `The tenant has no Entra ID P1/P2 licence, so Graph withholds ${probe.premium}.`,
            fix: "Assign Entra ID P1 or P2 licences; Recert keeps working without this data and says so where it is missing.",
            blocksSync: false,
          });
        } else if (err.status === 403 && !problems.some((p) => p.kind === "permission")) {
          problems.push({
            kind: "permission",
            message: `Graph refused ${probe.name} (${err.code}).`,
            fix: "Grant admin consent for the permissions listed in the README.",
            blocksSync: true,
          });
        } else if (err.status !== 403) {
          problems.push({
            kind: err.status === 0 ? "network" : "unexpected",
            message: `${probe.name}: ${err.status} ${err.code}: ${err.message}`,
            fix: "Check GRAPH_BASE_URL and Graph's service health.",
            blocksSync: true,
          });
        }
        return { name: probe.name, ok: false, status: err.status, code: err.code };
      }
    }),
  );
  return { status: problems.length === 0 ? "healthy" : "needs_attention", checkedAt, problems, permissions, probes };
}
