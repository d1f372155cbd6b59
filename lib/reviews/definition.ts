/**
 * Campaign definitions: what is reviewed, by whom, in how many stages, how often, and what happens to
 * items nobody decides. Stored as JSON (CampaignDefinition.config) and frozen on each instance at start.
 */
import { z } from "zod";

export const SCOPE_KINDS = [
  "groups",
  "allGroups",
  "allSecurityGroups",
  "allM365Groups",
  "roleAssignableGroups",
  "directoryRoles",
  "apps",
] as const;
export const REVIEWER_KINDS = ["owners", "managers", "chosen", "self", "sponsors"] as const;
export const OUTCOMES = ["approve", "revoke", "dontknow", "undecided"] as const;
export const RECURRENCES = ["one_off", "weekly", "monthly", "quarterly", "semi_annual", "annual", "custom"] as const;
/** What happens to items nobody decided, as Entra's "If reviewers don't respond" (no change, remove, approve, recommendations). */
export const NO_RESPONSE = ["none", "revoke", "approve", "recommendation"] as const;

/**
 * When a recurring series ends, as Entra's review schedules do (Microsoft Graph patternedRecurrence, range type noEnd,
 * numbered with numberOfOccurrences, or endDate): never, after N instances, or on a date. Recurrence: Graph's pattern
 * is weekly or absoluteMonthly with an interval; "custom" (every N days) is Recert's own.
 */
export const ZSeriesEnd = z
  .object({
    end: z.enum(["never", "after", "on"]).default("never"),
    /** end = after: how many instances in all, the first included. */
    count: z.coerce.number().int().min(1).max(520).optional(),
    /** end = on: no instance starts after this date. */
    on: z.coerce.date().optional(),
  })
  .default({ end: "never" });

export type ScopeKind = (typeof SCOPE_KINDS)[number];
export type ReviewerKind = (typeof REVIEWER_KINDS)[number];

const id = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9-]+$/, "not an object id");

export const ZStage = z.object({
  reviewers: z.enum(REVIEWER_KINDS),
  /** Users who review when reviewers = chosen. */
  chosenIds: z.array(id).max(50).default([]),
  /** Who reviews items whose reviewers do not resolve (ownerless group, no manager, no sponsor). Empty: the campaign's creator. */
  fallbackIds: z.array(id).max(50).default([]),
  durationDays: z.number().int().min(1).max(90),
  /** Which outcomes of this stage go on to the next stage (ignored for the last stage). */
  advance: z.array(z.enum(OUTCOMES)).max(4).default(["approve"]),
});
export type Stage = z.infer<typeof ZStage>;

/** Which family a scope kind belongs to: a campaign reviews at most one scope of each (#19, several scopes). */
export const scopeFamily = (kind: ScopeKind): "groups" | "roles" | "apps" =>
  kind === "directoryRoles" ? "roles" : kind === "apps" ? "apps" : "groups";

/**
 * A further scope reviewed in the same campaign (#19): one of another family than the main scope and each other (say
 * the role-assignable groups, the Global Administrator role and the Microsoft Graph app in one privileged-access
 * review). Its fields mean what the main scope's do.
 */
export const ZScopePart = z.object({
  kind: z.enum(SCOPE_KINDS),
  /** For kind = groups. */
  groupIds: z.array(id).max(500).default([]),
  // The fields below are optional (absent = every role, both states, every app): definitions stored before #19 parse
  // as they were.
  /** For kind = directoryRoles: the roles reviewed (role definition ids); none chosen = every role (#19). */
  roleIds: z.array(id).max(100).optional(),
  /** For kind = directoryRoles: active assignments, PIM eligibilities, or both. */
  roleStates: z
    .array(z.enum(["active", "eligible"]))
    .min(1)
    .max(2)
    .optional(),
  /** For kind = apps: the enterprise apps reviewed (service principal ids); none chosen = every app. */
  appIds: z.array(id).max(500).optional(),
});
export type ScopePart = z.infer<typeof ZScopePart>;

export const ZCampaignConfig = z
  .object({
    // The main scope (its fields are ZScopePart's), and what applies to every scope of the campaign.
    scope: ZScopePart.extend({
      /**
       * For group scopes (#19): the people who hold a group's access through nested groups are items too, each once
       * per group with the path ("via Engineering → Platform on-call"). Absent (definitions stored before) = off.
       */
      nested: z.boolean().optional(),
      /**
       * Left out before freezing (#19), as Entra's access reviews "exclude" (a break-glass group): these users, these
       * groups, and the direct members of these groups are never items; the excluded groups are not reviewed either.
       * The campaign's manifest and report name them and count what they removed.
       */
      exclude: z
        .object({
          groupIds: z.array(id).max(50).default([]),
          userIds: z.array(id).max(200).default([]),
        })
        .optional(),
      /** Further scopes of other families (#19); absent = the main scope alone. Exclusions and nesting apply to all. */
      also: z.array(ZScopePart).max(2).optional(),
    }),
    population: z.object({
      who: z.enum(["all", "guests", "inactive"]),
      inactiveDays: z.number().int().min(1).max(3650).default(90),
    }),
    stages: z.array(ZStage).min(1).max(3),
    startAt: z.coerce.date(),
    recurrence: z.enum(RECURRENCES),
    /** recurrence = custom: days between instance starts. */
    intervalDays: z.coerce.number().int().min(1).max(730).optional(),
    series: ZSeriesEnd,
    justification: z.object({ onApprove: z.boolean(), onRevoke: z.boolean() }),
    noResponse: z.enum(NO_RESPONSE),
    autoApply: z.boolean(),
    /**
     * Denied guests (#19): a guest whose every item in the campaign was revoked and removed is blocked from signing in
     * at apply, then deleted after `deleteAfterDays` unless an admin restores them (lib/reviews/denied-guests.ts). Off unless
     * asked for.
     */
    deniedGuests: z
      .object({
        blockThenDelete: z.boolean().default(false),
        deleteAfterDays: z.coerce.number().int().min(1).max(365).default(30),
      })
      .optional(),
    /** Whether reviewers may hand their items to a colleague (#18); on unless the admin turns it off. */
    allowDelegation: z.boolean().default(true),
    /** Which of the installation's notice channels this campaign uses (#18, lib/notify); the in-app inbox always. */
    notify: z.object({ mail: z.boolean(), teams: z.boolean() }).default({ mail: true, teams: true }),
    reminderDaysBefore: z.number().int().min(0).max(30),
    /** Recommendation threshold: no sign-in within this many days → revoke. */
    inactiveDays: z.number().int().min(1).max(3650).default(30),
    /** A campaign will not start on a sync older than this. */
    maxSyncAgeHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(24),
  })
  .superRefine((c, ctx) => {
    if (c.recurrence === "custom" && !c.intervalDays)
      ctx.addIssue({ code: "custom", path: ["intervalDays"], message: "Say how many days apart the reviews start." });
    // An instance must end before the next one starts (Entra refuses a review longer than its recurrence too).
    const every = c.recurrence === "weekly" ? 7 : c.recurrence === "custom" ? (c.intervalDays ?? 0) : 0;
    const length = c.stages.reduce((n, s) => n + s.durationDays, 0);
    if (every && length > every)
      ctx.addIssue({
        code: "custom",
        path: ["stages"],
        message: `A review that starts every ${every} day(s) must finish within ${every} day(s); its stages last ${length}.`,
      });
    if (c.series.end === "after" && !c.series.count)
      ctx.addIssue({
        code: "custom",
        path: ["series", "count"],
        message: "Say after how many reviews the series ends.",
      });
    if (c.series.end === "on" && (!c.series.on || c.series.on.getTime() <= c.startAt.getTime()))
      ctx.addIssue({ code: "custom", path: ["series", "on"], message: "The series must end after its first start." });
    if (c.scope.kind === "groups" && c.scope.groupIds.length === 0)
      ctx.addIssue({ code: "custom", path: ["scope", "groupIds"], message: "Choose at least one group." });
    const families = [c.scope.kind, ...(c.scope.also ?? []).map((p) => p.kind)].map(scopeFamily);
    if (new Set(families).size !== families.length)
      ctx.addIssue({
        code: "custom",
        path: ["scope", "also"],
        message: "A campaign reviews at most one scope of groups, one of directory roles and one of apps.",
      });
    (c.scope.also ?? []).forEach((p, i) => {
      if (p.kind === "groups" && p.groupIds.length === 0)
        ctx.addIssue({ code: "custom", path: ["scope", "also", i, "groupIds"], message: "Choose at least one group." });
    });
    c.stages.forEach((s, i) => {
      if (s.reviewers === "chosen" && s.chosenIds.length === 0)
        ctx.addIssue({
          code: "custom",
          path: ["stages", i, "chosenIds"],
          message: `Stage ${i + 1}: choose at least one reviewer.`,
        });
    });
  });
export type CampaignConfig = z.infer<typeof ZCampaignConfig>;

export const ZCampaignDefinitionInput = z.object({
  name: z.string().trim().min(1, "Name the campaign.").max(120),
  description: z.string().trim().max(2000).default(""),
  config: ZCampaignConfig,
});
export type CampaignDefinitionInput = z.infer<typeof ZCampaignDefinitionInput>;

const DAY = 86_400_000;

/** Total length of an instance: the sum of its stages. */
export function campaignDurationDays(c: Pick<CampaignConfig, "stages">): number {
  return c.stages.reduce((n, s) => n + s.durationDays, 0);
}

export function stageEnd(start: Date, c: Pick<CampaignConfig, "stages">, stage: number): Date {
  const days = c.stages.slice(0, stage).reduce((n, s) => n + s.durationDays, 0);
  return new Date(start.getTime() + days * DAY);
}

/** "Quarterly access review": every security group's members, reviewed by owners (fallback: the creator), 14 days, quarterly. */
export function quarterlyPreset(now: Date): CampaignDefinitionInput {
  return {
    name: `Quarterly access review ${now.getUTCFullYear()} Q${Math.floor(now.getUTCMonth() / 3) + 1}`,
    description:
      "Group owners re-approve every member of every security group. Revocations are applied to Entra when the campaign closes.",
    config: ZCampaignConfig.parse({
      scope: { kind: "allSecurityGroups", groupIds: [] },
      population: { who: "all", inactiveDays: 90 },
      stages: [{ reviewers: "owners", chosenIds: [], fallbackIds: [], durationDays: 14, advance: ["approve"] }],
      startAt: now,
      recurrence: "quarterly",
      justification: { onApprove: false, onRevoke: true },
      noResponse: "none",
      autoApply: true,
      reminderDaysBefore: 3,
      inactiveDays: 30,
      maxSyncAgeHours: 24,
    }),
  };
}

/** Guest review (issue 7): every guest's memberships, reviewed by their sponsors (fallback: manager, then chosen admins). */
export function guestPreset(now: Date, fallbackIds: string[] = []): CampaignDefinitionInput {
  return {
    name: `Guest access review ${now.toISOString().slice(0, 7)}`,
    description:
      "Sponsors re-approve each guest's group memberships. Pending invitations older than 30 days and inactive guests are recommended for removal.",
    config: ZCampaignConfig.parse({
      scope: { kind: "allGroups", groupIds: [] },
      population: { who: "guests", inactiveDays: 90 },
      stages: [{ reviewers: "sponsors", chosenIds: [], fallbackIds, durationDays: 14, advance: ["approve"] }],
      startAt: now,
      recurrence: "quarterly",
      justification: { onApprove: true, onRevoke: false },
      noResponse: "recommendation",
      autoApply: true,
      reminderDaysBefore: 3,
      inactiveDays: 30,
      maxSyncAgeHours: 24,
    }),
  };
}

export const SCOPE_LABEL: Record<ScopeKind, string> = {
  groups: "Chosen groups",
  allGroups: "All groups (security and Microsoft 365)",
  allSecurityGroups: "All security groups",
  allM365Groups: "All Microsoft 365 groups",
  roleAssignableGroups: "Role-assignable groups",
  directoryRoles: "Directory roles: active and eligible (PIM)",
  apps: "Enterprise app assignments",
};

/** The campaign's scopes (#19), the main one first. */
export function scopeParts(scope: CampaignConfig["scope"]): ScopePart[] {
  const { kind, groupIds, roleIds, roleStates, appIds } = scope;
  return [{ kind, groupIds, roleIds, roleStates, appIds }, ...(scope.also ?? [])];
}

/** Every scope of a campaign with its narrowing, in one line, as the report and the campaign page name them. */
export function describeScope(scope: CampaignConfig["scope"]): string {
  return scopeParts(scope)
    .map((p) => {
      const narrowed = [
        p.roleIds?.length ? `${p.roleIds.length} chosen role(s)` : "",
        p.roleStates?.length === 1 ? `${p.roleStates[0]} only` : "",
        p.appIds?.length ? `${p.appIds.length} chosen app(s)` : "",
      ].filter(Boolean);
      return `${SCOPE_LABEL[p.kind]}${narrowed.length ? ` (${narrowed.join(", ")})` : ""}`;
    })
    .join(" + ");
}

export const REVIEWER_LABEL: Record<ReviewerKind, string> = {
  owners: "Group owners",
  managers: "Each member's manager",
  chosen: "Chosen reviewers",
  self: "Self-review",
  sponsors: "Sponsors (guests)",
};

/**
 * Reviewers are due two days before the stage ends (stages of four days or more), leaving time to escalate. The one
 * due date: the inbox shows it and every notice says it (#18: they used to differ by two days).
 */
export function dueDate(c: { stageEndsAt: Date | null; endAt: Date; startAt: Date }): Date {
  const end = c.stageEndsAt ?? c.endAt;
  const span = end.getTime() - c.startAt.getTime();
  return span >= 4 * 86_400_000 ? new Date(end.getTime() - 2 * 86_400_000) : end;
}
