/**
 * PIM for Groups beyond the role-assignable groups (#19). Graph lists a group's PIM schedules only per group or per
 * principal (privilegedaccessgroup-list-eligibilityschedules: "This method requires the $filter (eq) query parameter
 * to scope the request to a principalId or a groupId"), and v1.0 has no list of the groups PIM governs. The sync asks
 * every role-assignable group (at most 500 a tenant); any other security or Microsoft 365 group can be onboarded to
 * PIM too (an Azure subscription's owners group, an app's admins), and its eligible members would go unseen. An admin
 * names those groups in Settings; the sync then reads their schedules with the role-assignable groups' and campaigns
 * review their eligible members and owners the same way.
 */
import { z } from "zod";
import { appendAudit } from "@/lib/audit/append-audit";
import type { Ctx } from "@/lib/db";
import { select, type SqlRunner } from "@/lib/db/sql";
import { UserError } from "@/lib/errors";

export const GOVERNED_GROUPS_KEY = "pimGroups.governed";
/** Two requests per group and sync, 20 to a $batch: a thousand groups add a hundred batches to every sync. */
export const MAX_GOVERNED_GROUPS = 1_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Group object ids, one per line or separated by commas or spaces, as pasted from the Entra admin center. */
export const ZGovernedGroups = z.object({ groupIds: z.string().max(100_000, "That list is too long.") });

export interface Actor {
  id: string;
  name: string;
}

/** The groups an admin named (lowercase object ids, in the order saved); none when never set. */
export async function governedGroupIds(db: SqlRunner): Promise<string[]> {
  const [row] = await select<{ value: string }>(
    db,
    `SELECT "value" FROM "AppSetting" WHERE "key" = '${GOVERNED_GROUPS_KEY}'`,
  );
  if (!row) return [];
  try {
    const ids = (JSON.parse(row.value) as { groupIds?: unknown }).groupIds;
    // Only GUIDs, lower case as Graph writes object ids (the sync compares them as SQL literals, case-sensitively).
    return Array.isArray(ids)
      ? [...new Set(ids.filter((x): x is string => typeof x === "string" && GUID.test(x)).map((x) => x.toLowerCase()))]
      : [];
  } catch {
    return [];
  }
}

/** The named groups with their names from the last sync, for Settings (one not found may have been deleted). */
export async function governedGroups(ctx: Ctx): Promise<{ id: string; name: string | null; found: boolean }[]> {
  const ids = await governedGroupIds(ctx.db as unknown as SqlRunner);
  const names = new Map(
    (
      await ctx.db.dirGroup.findMany({
        where: { tenantId: ctx.tenantId, id: { in: ids } },
        select: { id: true, displayName: true },
      })
    ).map((g) => [g.id, g.displayName]),
  );
  return ids.map((id) => ({ id, name: names.get(id) ?? null, found: names.has(id) }));
}

/** Splits and checks what the admin typed: every token a GUID, each once, at most MAX_GOVERNED_GROUPS. */
export function parseGovernedGroups(text: string): string[] {
  const tokens = text
    .split(/[\s,;]+/)
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  const bad = tokens.filter((t) => !GUID.test(t));
  if (bad.length)
    throw new UserError(
      "invalid",
      `Not a group object id (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): ${bad.slice(0, 3).join(", ")}${bad.length > 3 ? ` and ${bad.length - 3} more` : ""}. Nothing was saved.`,
    );
  const ids = [...new Set(tokens)];
  if (ids.length > MAX_GOVERNED_GROUPS)
    throw new UserError(
      "invalid",
      `At most ${MAX_GOVERNED_GROUPS} groups (${ids.length} given): the sync asks each of them twice. Nothing was saved.`,
    );
  return ids;
}

/**
 * Saves the list, audited. Every id must be a group of the last sync (a group created since: sync first) that PIM can
 * govern: a security or Microsoft 365 group, not a distribution list, and neither dynamic nor synchronized from
 * on-premises ("Dynamic groups and groups synchronized from on-premises environment cannot be managed in PIM for
 * Groups", Entra's "Bring groups into Privileged Identity Management"). A group still under review in an open campaign
 * for its eligible members or owners stays named: un-named, the next sync would stop reading its schedules and those
 * items would read as gone from Entra. Nothing is saved when one is refused.
 */
export async function saveGovernedGroups(
  ctx: Ctx,
  actor: Actor,
  text: string,
): Promise<{ groupIds: string[]; roleAssignable: number }> {
  const ids = parseGovernedGroups(text);
  const known = new Map<
    string,
    { kind: string; isAssignableToRole: boolean; isDynamic: boolean; onPremisesSyncEnabled: boolean }
  >();
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    for (const g of await ctx.db.dirGroup.findMany({
      where: { tenantId: ctx.tenantId, id: { in: part } },
      select: { id: true, kind: true, isAssignableToRole: true, isDynamic: true, onPremisesSyncEnabled: true },
    }))
      known.set(g.id.toLowerCase(), g);
  }
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length)
    throw new UserError(
      "invalid",
      `Not a group of the last sync: ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ` and ${missing.length - 3} more` : ""}. Sync first if it is new. Nothing was saved.`,
    );
  const lists = ids.filter((id) => known.get(id)!.kind === "distribution");
  if (lists.length)
    throw new UserError(
      "invalid",
      `A distribution list cannot be governed by PIM: ${lists.slice(0, 3).join(", ")}. Nothing was saved.`,
    );
  const ungovernable = ids.filter((id) => known.get(id)!.isDynamic || known.get(id)!.onPremisesSyncEnabled);
  if (ungovernable.length)
    throw new UserError(
      "invalid",
      `PIM cannot govern a dynamic group or one synchronized from on-premises: ${ungovernable.slice(0, 3).join(", ")}. Nothing was saved.`,
    );
  const before = await governedGroupIds(ctx.db as unknown as SqlRunner);
  const dropped = before.filter((id) => !ids.includes(id));
  if (dropped.length) {
    const open = await ctx.db.campaign.findMany({
      where: { tenantId: ctx.tenantId, status: { in: ["active", "closed"] } },
      select: { id: true },
    });
    const held = open.length
      ? await ctx.db.campaignItem.findMany({
          where: {
            campaignId: { in: open.map((c) => c.id) },
            resourceId: { in: dropped },
            resourceType: { in: ["groupEligible", "groupOwnerEligible"] },
          },
          select: { resourceId: true },
          distinct: ["resourceId"],
        })
      : [];
    if (held.length)
      throw new UserError(
        "conflict",
        `Still under review for eligible members or owners in an open campaign: ${held
          .slice(0, 3)
          .map((h) => h.resourceId)
          .join(", ")}. Keep it named until that campaign is applied. Nothing was saved.`,
      );
  }
  const value = JSON.stringify({ groupIds: ids });
  await ctx.db.$transaction(async (tx) => {
    await tx.appSetting.upsert({
      where: { key: GOVERNED_GROUPS_KEY },
      create: { key: GOVERNED_GROUPS_KEY, value },
      update: { value },
    });
    await appendAudit(tx, {
      actor: { type: "user", id: actor.id, name: actor.name },
      action: "settings.pimGroups",
      target: { type: "setting", id: GOVERNED_GROUPS_KEY },
      before: { groupIds: before },
      after: { groupIds: ids },
    });
  });
  // Role-assignable groups are read anyway; naming them does no harm, and the page says so.
  return { groupIds: ids, roleAssignable: ids.filter((id) => known.get(id)!.isAssignableToRole).length };
}
