import "server-only";
import type { Ctx } from "@/lib/db";
import { UserError } from "@/lib/errors";

/**
 * The object ids of the named users of this tenant, in the order given. Admins name people by UPN; an
 * unknown UPN or a disabled account is refused with its name (a disabled account cannot review anything).
 */
export async function enabledUserIdsByUpn(ctx: Ctx, upns: string[]): Promise<string[]> {
  if (upns.length === 0) return [];
  const users = await ctx.db.dirUser.findMany({
    where: { tenantId: ctx.tenantId, userPrincipalName: { in: upns } },
    select: { id: true, userPrincipalName: true, accountEnabled: true },
  });
  const byUpn = new Map(users.map((u) => [u.userPrincipalName?.toLowerCase() ?? "", u]));
  const unknown = upns.filter((u) => !byUpn.has(u.toLowerCase()));
  if (unknown.length) throw new UserError("invalid", `Not users of this tenant: ${unknown.join(", ")}.`);
  const disabled = users.filter((u) => !u.accountEnabled);
  if (disabled.length)
    throw new UserError(
      "invalid",
      `Disabled accounts cannot review: ${disabled.map((d) => d.userPrincipalName).join(", ")}.`,
    );
  return upns.map((u) => byUpn.get(u.toLowerCase())!.id);
}

/** The object ids of the named users of this tenant, enabled or not (exclusions, #19); an unknown UPN is refused. */
export async function userIdsByUpn(ctx: Ctx, upns: string[]): Promise<string[]> {
  if (upns.length === 0) return [];
  const users = await ctx.db.dirUser.findMany({
    where: { tenantId: ctx.tenantId, userPrincipalName: { in: upns } },
    select: { id: true, userPrincipalName: true },
  });
  const byUpn = new Map(users.map((u) => [u.userPrincipalName?.toLowerCase() ?? "", u.id]));
  const unknown = upns.filter((u) => !byUpn.has(u.toLowerCase()));
  if (unknown.length) throw new UserError("invalid", `Not users of this tenant: ${unknown.join(", ")}.`);
  return [...new Set(upns.map((u) => byUpn.get(u.toLowerCase())!))];
}
