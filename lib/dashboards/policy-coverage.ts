/**
 * Who a conditional-access policy really forces through MFA. Pure functions over Graph's policy JSON and
 * per-user facts, so the rules can be tested case by case and reused by the dashboard and its exports.
 *
 * What counts as enforcing MFA: an ENABLED policy whose grant requires MFA (builtInControls has `mfa`, or
 * an authentication strength) with no alternative control (operator OR with another control lets users
 * satisfy it without MFA), no sign-in/user-risk condition (it then applies only to risky sign-ins), and
 * not a block. Report-only and disabled policies never count.
 */
import type * as MSGraph from "@microsoft/microsoft-graph-types";

export interface UserFacts {
  id: string;
  userType: "Member" | "Guest";
  /** Guests and external members: from creationType/UPN; used for guestOrExternalUserTypes. */
  externalKind?: "internalGuest" | "b2bCollaborationGuest" | "b2bCollaborationMember" | null;
  /** Transitive group memberships. */
  groupIds: ReadonlySet<string>;
  /** Directory role template ids held directly or through a role-assignable group. */
  roleIds: ReadonlySet<string>;
  isMfaRegistered: boolean;
}

export type Enforcement = "none" | "someApps" | "allApps";

export type Bucket =
  | "enforcedAllApps"
  | "enforcedSomeApps"
  | "registeredNotEnforced"
  | "enforcedNotRegistered"
  | "neither"
  | "sanctionedExclusion";

export const BUCKET_LABEL: Record<Bucket, string> = {
  enforcedAllApps: "MFA enforced for all apps",
  enforcedSomeApps: "MFA enforced for some apps only",
  registeredNotEnforced: "Registered, not enforced",
  enforcedNotRegistered: "Enforced, not registered",
  neither: "Not registered, not enforced",
  sanctionedExclusion: "Sanctioned exclusion",
};

type Policy = MSGraph.ConditionalAccessPolicy;

const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export function externalKindOf(u: {
  userType?: string | null;
  userPrincipalName?: string | null;
  creationType?: string | null;
}): UserFacts["externalKind"] {
  const ext = (u.userPrincipalName ?? "").includes("#EXT#") || u.creationType === "Invitation";
  if (u.userType === "Guest") return ext ? "b2bCollaborationGuest" : "internalGuest";
  return ext ? "b2bCollaborationMember" : null;
}

export interface MfaRequirement {
  requiresMfa: boolean;
  reason: string;
}

export function mfaRequirement(p: Policy): MfaRequirement {
  const g = p.grantControls;
  if (!g) return { requiresMfa: false, reason: "no grant controls (session controls only)" };
  const controls = list(g.builtInControls);
  const strength = Boolean(g.authenticationStrength);
  if (controls.includes("block")) return { requiresMfa: false, reason: "blocks access" };
  if (!controls.includes("mfa") && !strength) return { requiresMfa: false, reason: "does not require MFA" };
  const others =
    controls.filter((c) => c !== "mfa").length +
    list(g.customAuthenticationFactors).length +
    list((g as { termsOfUse?: unknown }).termsOfUse).length;
  if ((g.operator ?? "OR").toUpperCase() === "OR" && others > 0)
    return { requiresMfa: false, reason: "offers MFA or another control, so MFA is not required" };
  const c = p.conditions;
  if (list(c?.signInRiskLevels).length || list(c?.userRiskLevels).length)
    return { requiresMfa: false, reason: "applies only to risky sign-ins or users" };
  return {
    requiresMfa: true,
    reason: strength
      ? `requires authentication strength “${g.authenticationStrength?.displayName ?? "custom"}”`
      : "requires MFA",
  };
}

export function coversAllApps(p: Policy): boolean {
  const a = p.conditions?.applications;
  const clientApps = list(p.conditions?.clientAppTypes);
  const allClients = clientApps.length === 0 || clientApps.includes("all");
  return (
    list(a?.includeApplications).includes("All") &&
    list(a?.excludeApplications).length === 0 &&
    allClients &&
    !p.conditions?.platforms &&
    !p.conditions?.locations
  );
}

function matchesExternal(
  spec: MSGraph.ConditionalAccessGuestsOrExternalUsers | null | undefined,
  u: UserFacts,
): boolean {
  if (!spec || !u.externalKind) return false;
  const kinds = String(spec.guestOrExternalUserTypes ?? "")
    .split(",")
    .map((s) => s.trim());
  return kinds.includes(u.externalKind);
}

export interface Targeting {
  included: boolean;
  excludedBy: "user" | "group" | "role" | "guests" | null;
}

export function targets(p: Policy, u: UserFacts): Targeting {
  const c = p.conditions?.users;
  if (!c) return { included: false, excludedBy: null };
  const incUsers = list(c.includeUsers);
  const isExternal = Boolean(u.externalKind);
  const included =
    incUsers.includes("All") ||
    incUsers.includes(u.id) ||
    (incUsers.includes("GuestsOrExternalUsers") && isExternal) ||
    list(c.includeGroups).some((g) => u.groupIds.has(g)) ||
    list(c.includeRoles).some((r) => u.roleIds.has(r)) ||
    matchesExternal(c.includeGuestsOrExternalUsers, u);
  if (!included) return { included: false, excludedBy: null };
  const exUsers = list(c.excludeUsers);
  const excludedBy: Targeting["excludedBy"] = exUsers.includes(u.id)
    ? "user"
    : list(c.excludeGroups).some((g) => u.groupIds.has(g))
      ? "group"
      : list(c.excludeRoles).some((r) => u.roleIds.has(r))
        ? "role"
        : (exUsers.includes("GuestsOrExternalUsers") && isExternal) ||
            matchesExternal(c.excludeGuestsOrExternalUsers, u)
          ? "guests"
          : null;
  return { included: true, excludedBy };
}

export interface UserCoverage {
  enforcement: Enforcement;
  /** Enforcing policies that target the user but exclude them. */
  excludedFrom: { policyId: string; by: NonNullable<Targeting["excludedBy"]> }[];
  bucket: Bucket;
}

/** `sanctioned(policyId)` says whether an admin accepted this user's exclusion from that policy (and it has not expired). */
export function userCoverage(
  policies: Policy[],
  u: UserFacts,
  sanctioned: (policyId: string) => boolean = () => false,
): UserCoverage {
  let enforcement: Enforcement = "none";
  const excludedFrom: UserCoverage["excludedFrom"] = [];
  for (const p of policies) {
    if (p.state !== "enabled" || !mfaRequirement(p).requiresMfa) continue;
    const t = targets(p, u);
    if (!t.included) continue;
    if (t.excludedBy) {
      excludedFrom.push({ policyId: String(p.id), by: t.excludedBy });
      continue;
    }
    if (coversAllApps(p)) enforcement = "allApps";
    else if (enforcement === "none") enforcement = "someApps";
  }
  let bucket: Bucket;
  if (enforcement === "none" && excludedFrom.length > 0 && excludedFrom.every((e) => sanctioned(e.policyId)))
    bucket = "sanctionedExclusion";
  else if (enforcement !== "none" && !u.isMfaRegistered) bucket = "enforcedNotRegistered";
  else if (enforcement === "allApps") bucket = "enforcedAllApps";
  else if (enforcement === "someApps") bucket = "enforcedSomeApps";
  else bucket = u.isMfaRegistered ? "registeredNotEnforced" : "neither";
  return { enforcement, excludedFrom, bucket };
}

/** One sentence a security team can read: who, which apps, what is required. */
export function describePolicy(
  p: Policy,
  names: { group(id: string): string; role(id: string): string; user(id: string): string; app(id: string): string },
): string {
  const c = p.conditions?.users;
  const who: string[] = [];
  const inc = list(c?.includeUsers);
  if (inc.includes("All")) who.push("all users");
  if (inc.includes("GuestsOrExternalUsers") || c?.includeGuestsOrExternalUsers) who.push("guests and external users");
  const incUsers = inc.filter((x) => !["All", "None", "GuestsOrExternalUsers"].includes(x));
  if (incUsers.length) who.push(`users ${incUsers.map(names.user).join(", ")}`);
  if (list(c?.includeGroups).length) who.push(`members of ${list(c?.includeGroups).map(names.group).join(", ")}`);
  if (list(c?.includeRoles).length) who.push(`holders of ${list(c?.includeRoles).map(names.role).join(", ")}`);
  const except: string[] = [];
  if (list(c?.excludeUsers).length) except.push(list(c?.excludeUsers).map(names.user).join(", "));
  if (list(c?.excludeGroups).length) except.push(`members of ${list(c?.excludeGroups).map(names.group).join(", ")}`);
  if (list(c?.excludeRoles).length) except.push(`holders of ${list(c?.excludeRoles).map(names.role).join(", ")}`);
  if (c?.excludeGuestsOrExternalUsers) except.push("guests and external users");
  const apps = list(p.conditions?.applications?.includeApplications);
  const appText = apps.includes("All") ? "all cloud apps" : apps.length ? apps.map(names.app).join(", ") : "no apps";
  const g = p.grantControls;
  const controls = [
    ...list(g?.builtInControls).map(
      (x) =>
        ({
          mfa: "MFA",
          block: "block access",
          compliantDevice: "a compliant device",
          domainJoinedDevice: "a hybrid-joined device",
          approvedApplication: "an approved app",
          compliantApplication: "an app protection policy",
          passwordChange: "a password change",
        })[x] ?? x,
    ),
  ];
  if (g?.authenticationStrength)
    controls.push(`authentication strength “${g.authenticationStrength.displayName ?? "custom"}”`);
  const grant =
    controls.length === 0
      ? "grants access with session controls only"
      : controls.includes("block access")
        ? "blocks access"
        : `requires ${controls.join((g?.operator ?? "OR").toUpperCase() === "OR" ? " or " : " and ")}`;
  const risk = list(p.conditions?.signInRiskLevels).length
    ? ` when sign-in risk is ${list(p.conditions?.signInRiskLevels).join(" or ")}`
    : "";
  return `Applies to ${who.join(", ") || "nobody"}${except.length ? ` except ${except.join("; ")}` : ""}; ${appText}; ${grant}${risk}.`;
}
