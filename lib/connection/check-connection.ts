import "server-only";
import { createGraphClient, GraphAuthError, GraphError, tokenRoles } from "../graph";
import type { GraphConnection } from "./graph-client";
import { needsOf, PERMISSION_NEEDS, type PermissionStatus, permissionStatus, writePermissionsIn } from "./permissions";

export interface ConnectionProblem {
  kind: "tenant" | "app" | "secret" | "permission" | "privilege" | "licence" | "network" | "probe" | "unexpected";
  message: string;
  fix: string;
  /** A sync cannot work until this is fixed (scheduled syncs pause); false for licences and write permissions. */
  blocksSync: boolean;
}

export interface ConnectionHealth {
  /** Which connection was checked: the read app (syncs) or the write app (revocations, expiries). */
  app?: "read" | "write";
  status: "healthy" | "needs_attention";
  checkedAt: string;
  problems: ConnectionProblem[];
  /** Per need: granted (by its least privileged permission or, named in `via`, a higher one), or null when unknown. */
  permissions: PermissionStatus[];
  probes: { name: string; ok: boolean; status: number; code?: string }[];
}

/** The least privileged permission of each need (the README's table); higher ones are accepted too (./permissions.ts). */
export const REQUIRED_PERMISSIONS = PERMISSION_NEEDS.map((n) => ({
  name: n.accepts[0]!,
  usedFor: n.usedFor,
  app: n.write ? ("write" as const) : ("read" as const),
}));

const PROBES: { name: string; path: string; premium?: string }[] = [
  { name: "organization", path: "/organization" },
  { name: "users", path: "/users?$top=1&$select=id" },
  {
    name: "sign-in activity",
    path: "/users?$top=1&$select=id,signInActivity",
    premium: "sign-in activity (inactivity recommendations)",
  },
  { name: "groups", path: "/groups?$top=1&$select=id" },
  // Graph documents only $filter (and $expand) on roleDefinitions, and refuses $top there with 400 (#16): a
  // filter on a built-in role's name is the smallest documented request.
  { name: "directory roles", path: "/roleManagement/directory/roleDefinitions?$filter=displayName eq 'Global Reader'" },
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
 * An honest health check of one app. A token is issued even when permissions lack admin consent, so the token's
 * `roles` claim is compared with what that app needs. The read app's endpoints are then probed: a 403 there is
 * either a missing permission or a missing Entra ID P1/P2 licence, and Graph's error code tells which. The write
 * app is never probed with a write; its token's roles decide, and nothing about it pauses syncs.
 */
export async function checkConnection(c: GraphConnection, app: "read" | "write" = "read"): Promise<ConnectionHealth> {
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
    if (app === "write") for (const p of problems) p.blocksSync = false;
    return {
      app,
      status: "needs_attention",
      checkedAt,
      problems,
      permissions: permissionStatus(new Set(), app),
      probes: [],
    };
  }
  // Microsoft asks clients to treat access tokens as opaque: when the token's roles cannot be read (an encrypted
  // or otherwise unreadable token), the probes below decide alone.
  let roles: Set<string> | null = null;
  try {
    roles = new Set(tokenRoles(token));
  } catch {
    roles = null;
  }
  const permissions = permissionStatus(roles, app);
  needsOf(app).forEach((need, i) => {
    if (permissions[i]!.granted !== false) return;
    const p = permissions[i]!;
    problems.push({
      kind: "permission",
      message: `${p.name} has no admin consent: Recert cannot ${need.write ? "apply" : "read"} ${p.usedFor}.`,
      fix: `In the app registration, API permissions → add Microsoft Graph application permission ${p.name} → Grant admin consent.`,
      blocksSync: !need.write && !need.optional,
    });
  });
  if (app === "write") {
    const status = problems.length === 0 ? "healthy" : "needs_attention";
    return { app, status, checkedAt, problems, permissions, probes: [] };
  }
  const excess = roles ? writePermissionsIn(roles) : [];
  if (excess.length)
    problems.push({
      kind: "privilege",
      message: `The read app holds ${excess.join(", ")}: whoever obtains its credentials can change the tenant.`,
      fix: "Remove these permissions from the read app (and the sign-in app); revocations and expiries use the write app (GRAPH_WRITE_CLIENT_ID) alone.",
      blocksSync: false,
    });
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
        } else if (err.status === 400) {
          // A refused query shape, not a refused caller: the check is inconclusive for this endpoint and must not
          // pause syncs on its own (the sync's own requests say whether the data can be read).
          problems.push({
            kind: "probe",
            message: `The ${probe.name} check was inconclusive: Graph refused the probe request (400 ${err.code}).`,
            fix: "Nothing to change if syncs succeed; otherwise see Graph's message in the sync history.",
            blocksSync: false,
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
  return {
    app,
    status: problems.length === 0 ? "healthy" : "needs_attention",
    checkedAt,
    problems,
    permissions,
    probes,
  };
}
