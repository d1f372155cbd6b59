import { createHash } from "node:crypto";
import type { ExtraApp } from "../config";
import type { EApp, EServicePrincipal, Tenant } from "./model";
import { RECERT_GRAPH_PERMISSIONS, RECERT_WRITE_PERMISSIONS } from "./roles";

/** A stable object id for an app's service principal, without drawing from the generator's random stream. */
function spId(clientId: string): string {
  const h = createHash("sha256").update(`sp:${clientId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function register(t: Tenant, app: ExtraApp, displayName: string, graphPermissions: readonly string[]): void {
  const sp: EServicePrincipal = {
    id: spId(app.clientId),
    appId: app.clientId,
    displayName,
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    servicePrincipalType: "Application",
    tags: ["WindowsAzureActiveDirectoryIntegratedApp"],
    appRoles: [],
  };
  t.servicePrincipals.push(sp);
  t.spById.set(sp.id, sp);
  const registered: EApp = {
    clientId: app.clientId,
    displayName,
    secret: app.secret,
    secretExpired: false,
    keyCredentials: [...app.keyCredentials],
    redirectUris: [],
    identifierUris: [],
    appRoles: [],
    servicePrincipalId: sp.id,
    graphPermissions: [...graphPermissions],
  };
  t.apps.push(registered);
}

/**
 * Recert's other app registrations, from the env the app reads: the write app (write permissions only, so page
 * requests and syncs never hold them) and, when configured, a dedicated read app.
 */
export function registerRecertApps(t: Tenant, o: { writeApp: ExtraApp; readApp?: ExtraApp }): Tenant {
  register(t, o.writeApp, "Recert (write)", RECERT_WRITE_PERMISSIONS);
  if (o.readApp) register(t, o.readApp, "Recert (read)", RECERT_GRAPH_PERMISSIONS);
  return t;
}
