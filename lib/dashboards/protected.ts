import "server-only";
import { coverageByUser } from "@/lib/dashboards/overview";
import type { Ctx } from "@/lib/db";
import { selectIn } from "@/lib/db/sql";

/**
 * Accounts no bulk action may lock out (#16): break-glass accounts, detected as the enabled accounts that every
 * MFA policy targeting them names as an exclusion (directly or through a group), the way emergency-access
 * accounts are kept outside conditional access; and the accounts an installation names in RECERT_PROTECTED_UPNS.
 * Expiring one takes an action on that person alone, with their UPN typed to confirm.
 */
export async function protectedAccounts(ctx: Ctx, configuredUpns: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (configuredUpns.length) {
    // UPNs compare case-insensitively (a guest's #EXT# is upper case in Entra, lower case in a config file).
    const named = await selectIn<{ id: string }>(
      ctx.db,
      (list) =>
        `SELECT "id" FROM "DirUser" WHERE "tenantId" = ${ctx.dialect.p(1)} AND LOWER("userPrincipalName") IN (${list})`,
      configuredUpns.map((u) => u.toLowerCase()),
      [ctx.tenantId],
    );
    for (const u of named) out.set(u.id, "named in RECERT_PROTECTED_UPNS");
  }
  for (const [userId, c] of await coverageByUser(ctx.db, ctx.tenantId, ctx.now()))
    if (c.breakGlass && !out.has(userId)) out.set(userId, "excluded from every MFA policy (a break-glass account)");
  return out;
}
