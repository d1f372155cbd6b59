import "server-only";
import type { Ctx } from "@/lib/db";
import { UserError } from "@/lib/errors";

/**
 * The object ids of the named users of this tenant, in the order given. Admins name people by UPN; an
 * unknown UPN or a disabled account is refused with its name (a disabled account cannot review anything).
 */
export async function enabledUserIdsByUpn(ctx: Ctx, upns: string[]): Promise<string[]> {
  if (upns.length === 0) return [];
  const users = await usersByUpn(ctx, upns);
  const unknown = upns.filter((u) => !users.has(u.toLowerCase()));
  if (unknown.length) throw new UserError("invalid", `Not users of this tenant: ${unknown.join(", ")}.`);
  const disabled = [...users.values()].filter((u) => !u.enabled);
  if (disabled.length)
    throw new UserError("invalid", `Disabled accounts cannot review: ${disabled.map((d) => d.upn).join(", ")}.`);
  return upns.map((u) => users.get(u.toLowerCase())!.id);
}

/**
 * This tenant's users by UPN, compared without case as Entra does: a tenant's UPNs often carry capitals
 * (Ada.Lovelace@contoso.com), and the forms send them lowercased. Keyed by the lowercased UPN.
 */
async function usersByUpn(
  ctx: Ctx,
  upns: string[],
): Promise<Map<string, { id: string; upn: string; enabled: boolean }>> {
  const wanted = [...new Set(upns.map((u) => u.toLowerCase()))];
  const found = await ctx.db.$queryRawUnsafe<{ id: string; upn: string; accountEnabled: boolean | number }[]>(
    `SELECT "id", "userPrincipalName" AS "upn", "accountEnabled" FROM "DirUser" WHERE "tenantId" = ${ctx.dialect.p(1)} AND lower("userPrincipalName") IN (${wanted.map((_, i) => ctx.dialect.p(i + 2)).join(", ")})`,
    ctx.tenantId,
    ...wanted,
  );
  return new Map(found.map((u) => [u.upn.toLowerCase(), { id: u.id, upn: u.upn, enabled: Boolean(u.accountEnabled) }]));
}

/**
 * The object ids of the named users of this tenant, enabled or not (exclusions, #19); an unknown UPN is refused. UPNs
 * are compared without case, as Entra does (a tenant's UPNs often carry capitals; the form sends them lowercased).
 */
export async function userIdsByUpn(ctx: Ctx, upns: string[]): Promise<string[]> {
  if (upns.length === 0) return [];
  const users = await usersByUpn(ctx, upns);
  const unknown = [...new Set(upns.map((u) => u.toLowerCase()))].filter((u) => !users.has(u));
  if (unknown.length) throw new UserError("invalid", `Not users of this tenant: ${unknown.join(", ")}.`);
  return [...new Set(upns.map((u) => users.get(u.toLowerCase())!.id))];
}
