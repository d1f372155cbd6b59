export const ROLES = ["admin", "auditor", "reviewer"] as const;
export type Role = (typeof ROLES)[number];

/** App roles defined on the Recert app registration; their values arrive in the ID token's `roles` claim. */
export const APP_ROLE_ADMIN = "Recert.Admin";
export const APP_ROLE_AUDITOR = "Recert.Auditor";

/** Admin wins over auditor; every other user of the tenant is a reviewer. */
export function roleFromClaims(roles: unknown): Role {
  const list = Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [];
  if (list.includes(APP_ROLE_ADMIN)) return "admin";
  if (list.includes(APP_ROLE_AUDITOR)) return "auditor";
  return "reviewer";
}

export const ROLE_LABEL: Record<Role, string> = { admin: "Admin", auditor: "Auditor", reviewer: "Reviewer" };

/**
 * Whether an ID token may start a session here: it must name a user (oid) of this tenant. A token from
 * another tenant (a multi-tenant issuer, a guest's home tenant) never gets in.
 */
export function signInRefusal(claims: { oid?: unknown; tid?: unknown }, tenantId: string): "WrongTenant" | undefined {
  if (
    typeof claims.oid !== "string" ||
    !claims.oid ||
    typeof claims.tid !== "string" ||
    claims.tid.toLowerCase() !== tenantId.toLowerCase()
  )
    return "WrongTenant";
  return undefined;
}
