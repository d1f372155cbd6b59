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
