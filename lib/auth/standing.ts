import "server-only";
import type { Ctx } from "@/lib/db";
import { roleFromClaims, type Role } from "./roles";

/**
 * Whether a signed-in person may still act, and as what, from the last complete sync rather than from the
 * claims their session was issued with: a session lives for hours, while an admin removed from Recert.Admin in
 * Entra, or a disabled account, must lose access within one sync (#16). The directory holds Recert's own
 * service principal and its `appRoleAssignedTo` like any other app, so the roles come from there: assigned to
 * the user, or to a group the user is a direct member of (Entra applies app roles assigned to a group to its
 * direct members only).
 *   { ok: false }: signed out on the server, deleted from or disabled in the directory.
 *   { ok: true, role: null }: no sync has seen Recert's service principal yet; the session's role stands.
 */
export type Standing = { ok: false; reason: string } | { ok: true; role: Role | null };

export async function standingOf(
  ctx: Ctx,
  o: { userId: string; clientId: string; signedInAt: number },
): Promise<Standing> {
  const { db, tenantId } = ctx;
  const principal = await db.principal.findUnique({ where: { id: o.userId }, select: { sessionsRevokedAt: true } });
  if (principal?.sessionsRevokedAt && principal.sessionsRevokedAt.getTime() >= o.signedInAt)
    return { ok: false, reason: "signed out" };
  const sp = await db.dirServicePrincipal.findFirst({
    where: { tenantId, appId: o.clientId },
    select: { id: true, appRoles: true },
  });
  if (!sp) return { ok: true, role: null };
  const user = await db.dirUser.findFirst({ where: { tenantId, id: o.userId }, select: { accountEnabled: true } });
  if (!user) return { ok: false, reason: "not in the directory" };
  if (!user.accountEnabled) return { ok: false, reason: "account disabled" };
  const groups = (
    await db.dirGroupMember.findMany({ where: { tenantId, memberId: o.userId }, select: { groupId: true } })
  ).map((g) => g.groupId);
  const assigned = await db.dirAppRoleAssignment.findMany({
    where: { tenantId, resourceId: sp.id, principalId: { in: [o.userId, ...groups] } },
    select: { appRoleId: true },
  });
  const roles = parseAppRoles(sp.appRoles);
  return { ok: true, role: roleFromClaims(assigned.map((a) => roles.get(a.appRoleId)).filter(Boolean)) };
}

function parseAppRoles(json: string): Map<string, string> {
  try {
    const list = JSON.parse(json) as { id?: string; value?: string | null }[];
    return new Map(list.filter((r) => r.id && r.value).map((r) => [r.id!, r.value!]));
  } catch {
    return new Map();
  }
}

/** Ends every session of this person on the server (sign-out): sessions issued before now stop working. */
export async function revokeSessions(ctx: Ctx, userId: string): Promise<void> {
  await ctx.db.principal.updateMany({ where: { id: userId }, data: { sessionsRevokedAt: ctx.now() } });
}
