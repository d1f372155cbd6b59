/**
 * The admin's "New campaign" form: people named by UPN, dates and numbers as the browser sends them.
 * Parsed here, turned into a campaign definition (UPNs resolved to object ids, chosen groups checked to be
 * in this tenant's directory) and created.
 */
import "server-only";
import { z } from "zod";
import type { Ctx } from "@/lib/db";
import { enabledUserIdsByUpn, userIdsByUpn } from "./reviewers-by-upn";
import { UserError } from "@/lib/errors";
import { NO_RESPONSE, RECURRENCES, scopeFamily, ZCampaignConfig, ZSeriesEnd } from "./definition";
import { createCampaign, type Actor } from "./lifecycle";

const upns = z.array(z.string().trim().toLowerCase().email("Not a user principal name.").max(254)).max(50);
const ZStageForm = z.object({
  reviewers: z.enum(["owners", "managers", "chosen", "self", "sponsors"]),
  chosenUpns: upns.default([]),
  fallbackUpns: upns.default([]),
  durationDays: z.coerce.number().int().min(1).max(90),
  advance: z
    .array(z.enum(["approve", "revoke", "dontknow", "undecided"]))
    .max(4)
    .default(["approve"]),
});
export const ZCampaignForm = z.object({
  name: z.string().trim().min(1, "Name the campaign.").max(120),
  description: z.string().trim().max(2000).default(""),
  scope: z.object({
    kind: ZCampaignConfig.shape.scope.shape.kind,
    groupIds: z.array(z.guid("Not a group id.")).max(500).default([]),
    /** #19: chosen directory roles (none = all), active and/or eligible, chosen apps (none = all). */
    roleIds: z.array(z.guid("Not a role id.")).max(100).default([]),
    roleStates: z
      .array(z.enum(["active", "eligible"]))
      .min(1, "Review active assignments, eligibilities, or both.")
      .max(2)
      .default(["active", "eligible"]),
    appIds: z.array(z.guid("Not an app id.")).max(500).default([]),
    /**
     * Further scopes reviewed in the same campaign (#19), each of another family than `kind`; the chosen groups, roles
     * and apps above belong to whichever scope of their family there is.
     */
    also: z.array(ZCampaignConfig.shape.scope.shape.kind).max(2).default([]),
    /** Group scopes: members of nested groups are reviewed too (with their path). */
    nested: z.boolean().default(true),
    /** Exclusions: groups (and their direct members) and people by UPN, left out before freezing. */
    excludeGroupIds: z.array(z.guid("Not a group id.")).max(50).default([]),
    excludeUpns: z
      .array(z.string().trim().toLowerCase().email("Not a user principal name.").max(254))
      .max(200)
      .default([]),
  }),
  population: z.object({
    who: z.enum(["all", "guests", "inactive"]),
    inactiveDays: z.coerce.number().int().min(1).max(3650).default(90),
  }),
  stages: z.array(ZStageForm).min(1).max(3),
  startAt: z.coerce.date(),
  recurrence: z.enum(RECURRENCES),
  intervalDays: z.coerce.number().int().min(1).max(730).optional(),
  series: ZSeriesEnd,
  justification: z.object({ onApprove: z.boolean(), onRevoke: z.boolean() }),
  noResponse: z.enum(NO_RESPONSE),
  autoApply: z.boolean(),
  allowDelegation: z.boolean().default(true),
  deniedGuests: z
    .object({
      blockThenDelete: z.boolean().default(false),
      deleteAfterDays: z.coerce.number().int().min(1).max(365).default(30),
    })
    .default({ blockThenDelete: false, deleteAfterDays: 30 }),
  notify: z.object({ mail: z.boolean(), teams: z.boolean() }).default({ mail: true, teams: true }),
  reminderDaysBefore: z.coerce.number().int().min(0).max(30),
  inactiveDays: z.coerce.number().int().min(1).max(3650),
  maxSyncAgeHours: z.coerce.number().int().min(1).max(720),
});
export type TCampaignForm = z.output<typeof ZCampaignForm>;
export type TCampaignFormInput = z.input<typeof ZCampaignForm>;

export async function createCampaignFromForm(
  ctx: Ctx,
  actor: Actor,
  f: TCampaignForm,
): Promise<{ campaignId: string }> {
  const stages = [];
  for (const s of f.stages) {
    stages.push({
      reviewers: s.reviewers,
      chosenIds: await enabledUserIdsByUpn(ctx, s.chosenUpns),
      fallbackIds: await enabledUserIdsByUpn(ctx, s.fallbackUpns),
      durationDays: s.durationDays,
      advance: s.advance,
    });
  }
  const { tenantId } = ctx;
  const sc = f.scope;
  const exist = async (what: string, ids: string[], count: (ids: string[]) => Promise<number>) => {
    if (ids.length && (await count(ids)) !== new Set(ids).size)
      throw new UserError("invalid", `Some ${what} are not in this tenant's directory.`);
  };
  const kinds = [sc.kind, ...sc.also];
  const groupKind = kinds.find((k) => scopeFamily(k) === "groups");
  if (groupKind === "groups")
    await exist("chosen groups", sc.groupIds, (ids) => ctx.db.dirGroup.count({ where: { tenantId, id: { in: ids } } }));
  if (kinds.includes("directoryRoles"))
    await exist("chosen roles", sc.roleIds, (ids) =>
      ctx.db.dirRoleDefinition.count({ where: { tenantId, id: { in: ids } } }),
    );
  if (kinds.includes("apps"))
    await exist("chosen apps", sc.appIds, (ids) =>
      ctx.db.dirServicePrincipal.count({ where: { tenantId, id: { in: ids } } }),
    );
  const both = groupKind === "groups" ? sc.groupIds.filter((id) => sc.excludeGroupIds.includes(id)) : [];
  if (both.length) throw new UserError("invalid", "A group cannot be both chosen and excluded.");
  await exist("excluded groups", sc.excludeGroupIds, (ids) =>
    ctx.db.dirGroup.count({ where: { tenantId, id: { in: ids } } }),
  );
  const excludeUserIds = await userIdsByUpn(ctx, sc.excludeUpns);
  const part = (kind: (typeof kinds)[number]) => ({
    kind,
    groupIds: kind === "groups" ? sc.groupIds : [],
    ...(kind === "directoryRoles" ? { roleIds: sc.roleIds, roleStates: sc.roleStates } : {}),
    ...(kind === "apps" ? { appIds: sc.appIds } : {}),
  });
  const scope = {
    ...part(sc.kind),
    ...(groupKind ? { nested: sc.nested } : {}),
    ...(sc.excludeGroupIds.length || excludeUserIds.length
      ? { exclude: { groupIds: [...new Set(sc.excludeGroupIds)], userIds: excludeUserIds } }
      : {}),
    ...(sc.also.length ? { also: sc.also.map(part) } : {}),
  };
  const { campaignId } = await createCampaign(ctx, actor, {
    name: f.name,
    description: f.description,
    config: { ...f, scope, stages },
  });
  return { campaignId };
}
