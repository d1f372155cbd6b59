import type { Role } from "@/lib/auth/roles";

export interface NavItem {
  href: string;
  label: string;
  icon: "dashboard" | "reviews" | "campaigns" | "directory" | "guests" | "approvals" | "reports" | "audit" | "settings";
  roles: readonly Role[];
}

/** Who sees what. Pages enforce the same roles on the server; hiding a link is only a courtesy. */
export const NAV_ITEMS: readonly NavItem[] = [
  { href: "/", label: "Dashboard", icon: "dashboard", roles: ["admin", "auditor"] },
  { href: "/reviews", label: "My reviews", icon: "reviews", roles: ["admin", "auditor", "reviewer"] },
  { href: "/campaigns", label: "Campaigns", icon: "campaigns", roles: ["admin", "auditor"] },
  { href: "/directory", label: "Directory", icon: "directory", roles: ["admin", "auditor"] },
  { href: "/guests", label: "Guests", icon: "guests", roles: ["admin", "auditor"] },
  { href: "/approvals", label: "Approvals", icon: "approvals", roles: ["admin", "auditor"] },
  { href: "/reports", label: "Reports", icon: "reports", roles: ["admin", "auditor"] },
  { href: "/audit", label: "Audit log", icon: "audit", roles: ["admin", "auditor"] },
  { href: "/settings", label: "Settings", icon: "settings", roles: ["admin"] },
];

export function navFor(role: Role): NavItem[] {
  return NAV_ITEMS.filter((i) => i.roles.includes(role));
}
