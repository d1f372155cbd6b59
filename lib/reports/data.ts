/**
 * What a campaign report says: a header (who, what, when, the outcome counts, the population proof) and
 * every item, read from the database in ordinal order in batches (never all rows at once).
 */
import type { Db } from "@/lib/db/index";
import type { Ctx } from "@/lib/db/context";
import { UserError } from "@/lib/errors";
import type { ItemsHasher } from "@/lib/reviews/items-hash";
import { describeScope, REVIEWER_LABEL, scopeFamily, scopeParts, type CampaignConfig } from "@/lib/reviews/definition";

/** The sync's skipped kinds (lib/sync/run-sync.ts, OPTIONAL_KINDS) as the report names them. */
const UNREAD_LABEL: Record<string, string> = {
  activity: "Sign-in activity (inactivity not judged)",
  managers: "Managers",
  sponsors: "Guests' sponsors",
  roles: "Directory roles",
  pim: "PIM for directory roles (eligibilities not reviewed)",
  pimGroups: "PIM for Groups (eligible group members not reviewed)",
  apps: "Enterprise apps",
  mfa: "MFA registration",
  policies: "Conditional-access policies",
  organization: "Organization",
};
import { reviewerSignals, type ReviewerSignal, SignalsCollector } from "@/lib/reviews/signals";
import { DecisionsHasher, decisionsHash } from "@/lib/reviews/decisions-hash";
import { dialectOf, q, select } from "@/lib/db/sql";

export interface ReturnedRevocation {
  campaignId: string;
  ordinal: number;
  principal: string;
  resource: string;
  returnedAt: string;
}

export interface ReportHeader {
  /** Access earlier campaigns revoked in this campaign's resources that a later sync saw back (#17), at most 500. */
  returnedEarlier: { count: number; items: ReturnedRevocation[] };
  /** SHA-256 of the decisions now, and the one recorded at close (null while open). */
  decisions: { hash: string; atClose: string | null };
  /** Per reviewer: pace, bulk share, approvals against revoke recommendations, and any rubber-stamping rule met. */
  reviewerSignals: ReviewerSignal[];
  tenantId: string;
  tenantName: string | null;
  campaignId: string;
  name: string;
  status: string;
  interim: boolean;
  scope: string;
  population: string;
  /** What the scope's exclusions left out (#19), names with ids; null when nothing was excluded. */
  exclusions: { entries: string[]; items: number } | null;
  /** Nested expansion (#19): lines for the cover; null when the campaign reviewed direct members only. */
  nested: string[] | null;
  /** What the sync the campaign was frozen from could not read (a licence or permission it lacked), one line each. */
  unread: string[];
  stages: string;
  startAt: string;
  endAt: string;
  itemCount: number;
  reviewerCount: number;
  counts: { approve: number; revoke: number; dontknow: number; notReviewed: number };
  outcomes: Record<string, number>;
  apply: {
    applied: number;
    alreadyRemoved: number;
    failed: number;
    pending: number;
    manual: number;
    removedManually: number;
  };
  closedAt: string | null;
  closedByName: string | null;
  closeReason: string | null;
  appliedAt: string | null;
  chainHead: string | null;
  sync: { runId: string | null; finishedAt: string | null; complete: boolean | null; counts: Record<string, number> };
  itemsHash: string | null;
  generatedAt: string;
}

export interface ReportRow {
  ordinal: number;
  principal: string;
  principalUpn: string;
  /** The Entra object id: what tells two people of the same name apart for good (#17). */
  principalId: string;
  principalKind: string;
  resourceType: string;
  resource: string;
  access: string;
  recommendation: string;
  recommendationReason: string;
  decision: string;
  reviewer: string;
  reviewerUpn: string;
  reviewerId: string;
  relation: string;
  decidedAt: string;
  via: string;
  justification: string;
  outcome: string;
  applyResult: string;
  applyError: string;
}

export const REPORT_COLUMNS: { key: keyof ReportRow; label: string }[] = [
  { key: "ordinal", label: "#" },
  { key: "principal", label: "Principal" },
  { key: "principalUpn", label: "UPN" },
  { key: "principalId", label: "Principal object id" },
  { key: "principalKind", label: "Kind" },
  { key: "resourceType", label: "Resource type" },
  { key: "resource", label: "Resource" },
  { key: "access", label: "Access" },
  { key: "recommendation", label: "Recommendation" },
  { key: "recommendationReason", label: "Recommendation reason" },
  { key: "decision", label: "Decision" },
  { key: "reviewer", label: "Reviewer" },
  { key: "reviewerUpn", label: "Reviewer UPN" },
  { key: "reviewerId", label: "Reviewer object id" },
  { key: "relation", label: "Reviewer relation" },
  { key: "decidedAt", label: "Decided at (UTC)" },
  { key: "via", label: "Decided via" },
  { key: "justification", label: "Justification" },
  { key: "outcome", label: "Outcome" },
  { key: "applyResult", label: "Apply result" },
  { key: "applyError", label: "Apply error" },
];

/**
 * The report's header. `scan: false` leaves out what needs a pass over every item (reviewer signals, the decisions
 * hash): a renderer that passes over the items anyway fills them from that pass (see ReportPass) instead of reading
 * a hundred thousand rows twice more.
 */
export async function reportHeader(ctx: Ctx, campaignId: string, o: { scan?: boolean } = {}): Promise<ReportHeader> {
  const { db, tenantId } = ctx;
  const now = ctx.now();
  const c = await db.campaign.findUnique({ where: { id: campaignId } });
  if (!c || c.tenantId !== tenantId || c.status === "draft")
    throw new UserError("not_found", "No report for this campaign: it does not exist or has not started.");
  const config = JSON.parse(c.config) as CampaignConfig;
  const org = await db.dirOrganization.findFirst({ where: { tenantId }, select: { displayName: true } });
  const byDecision = await db.campaignItem.groupBy({ by: ["decision"], where: { campaignId }, _count: { _all: true } });
  const byOutcome = await db.campaignItem.groupBy({
    by: ["outcome"],
    where: { campaignId, outcome: { not: null } },
    _count: { _all: true },
  });
  const byApply = await db.campaignItem.groupBy({
    by: ["applyStatus"],
    where: { campaignId, applyStatus: { not: null } },
    _count: { _all: true },
  });
  const reviewers = await db.campaignItemReviewer.groupBy({ by: ["reviewerId"], where: { campaignId } });
  const n = (rows: { _count: { _all: number } }[], pick: (r: never) => boolean) =>
    rows.filter((r) => pick(r as never)).reduce((s, r) => s + r._count._all, 0);
  const manifest = c.syncManifest
    ? (JSON.parse(c.syncManifest) as {
        runId?: string;
        finishedAt?: string;
        complete?: boolean;
        counts?: Record<string, number>;
        skipped?: { kind: string; reason: string }[];
        pimGroupsNamed?: string[];
        freeze?: {
          excluded?: { groupIds: string[]; userIds: string[]; items: number };
          nested?: { items: number; groupsWithNesting: number; maxDepth: number; cycleLinks: number };
        };
      })
    : {};
  const excluded = manifest.freeze?.excluded;
  let exclusions: ReportHeader["exclusions"] = null;
  if (excluded && (excluded.groupIds.length || excluded.userIds.length)) {
    const groupNames = new Map(
      (
        await db.dirGroup.findMany({
          where: { tenantId, id: { in: excluded.groupIds } },
          select: { id: true, displayName: true },
        })
      ).map((g) => [g.id, g.displayName]),
    );
    const userNames = new Map(
      (
        await db.dirUser.findMany({
          where: { tenantId, id: { in: excluded.userIds } },
          select: { id: true, userPrincipalName: true },
        })
      ).map((u) => [u.id, u.userPrincipalName]),
    );
    const named = (id: string, name: string | null | undefined) => (name ? `${name} (${id})` : id);
    exclusions = {
      entries: [
        ...excluded.groupIds.map((id) => `group ${named(id, groupNames.get(id))} and its members`),
        ...excluded.userIds.map((id) => `user ${named(id, userNames.get(id))}`),
      ],
      items: excluded.items,
    };
  }
  const close = await db.auditEvent.findFirst({
    where: { action: "campaign.close", targetType: "campaign", targetId: campaignId },
    select: { after: true },
  });
  return {
    returnedEarlier: await returnedEarlier(db, c.id, tenantId),
    decisions: {
      hash: o.scan === false ? "" : await decisionsHash(db, campaignId),
      atClose: (JSON.parse(close?.after ?? "{}") as { decisionsHash?: string }).decisionsHash ?? null,
    },
    reviewerSignals: o.scan === false ? [] : await reviewerSignals(db, campaignId),
    tenantId,
    tenantName: org?.displayName ?? null,
    campaignId: c.id,
    name: c.name,
    status: c.status,
    interim: c.status === "active",
    scope: describeScope(config.scope),
    exclusions,
    nested: ((n) =>
      n
        ? [
            `included: ${n.items} item(s) held through nested groups`,
            `${n.groupsWithNesting} reviewed group(s) with nesting, up to ${n.maxDepth} level(s) deep`,
            ...(n.cycleLinks ? [`${n.cycleLinks} cyclic link(s) seen and not followed twice`] : []),
          ]
        : null)(manifest.freeze?.nested),
    unread: [
      ...(manifest.skipped ?? []).map((k) => `${UNREAD_LABEL[k.kind] ?? k.kind}: ${k.reason}`),
      // Graph lists PIM for Groups schedules one group at a time, and Recert asks the role-assignable groups and those
      // an admin named in Settings (#19).
      ...(scopeParts(config.scope).some((p) => scopeFamily(p.kind) === "groups" && p.kind !== "roleAssignableGroups")
        ? [
            manifest.pimGroupsNamed?.length
              ? `PIM for Groups of groups that are neither role-assignable nor among the ${manifest.pimGroupsNamed.length} named in Settings: not asked (their eligible members are not items)`
              : "PIM for Groups of groups that are not role-assignable: not asked (their eligible members are not items; name the groups PIM governs in Settings)",
          ]
        : []),
    ],
    population:
      config.population.who === "all"
        ? "All members"
        : config.population.who === "guests"
          ? "Guests only"
          : `Inactive for ${config.population.inactiveDays} days`,
    stages: config.stages
      .map((s, i) => `Stage ${i + 1}: ${REVIEWER_LABEL[s.reviewers]}, ${s.durationDays} days`)
      .join("; "),
    startAt: c.startAt.toISOString(),
    endAt: c.endAt.toISOString(),
    itemCount: c.itemCount,
    reviewerCount: reviewers.length,
    counts: {
      approve: n(byDecision, (r: { decision: string | null }) => r.decision === "approve"),
      revoke: n(byDecision, (r: { decision: string | null }) => r.decision === "revoke"),
      dontknow: n(byDecision, (r: { decision: string | null }) => r.decision === "dontknow"),
      notReviewed: n(byDecision, (r: { decision: string | null }) => r.decision === null),
    },
    outcomes: Object.fromEntries(byOutcome.map((g) => [g.outcome!, g._count._all])),
    apply: {
      applied: n(byApply, (r: { applyStatus: string | null }) => r.applyStatus === "applied"),
      alreadyRemoved: n(byApply, (r: { applyStatus: string | null }) => r.applyStatus === "alreadyRemoved"),
      failed: n(byApply, (r: { applyStatus: string | null }) => r.applyStatus === "failed"),
      pending: n(
        byApply,
        (r: { applyStatus: string | null }) => r.applyStatus === "pending" || r.applyStatus === "applying",
      ),
      manual: n(byApply, (r: { applyStatus: string | null }) => r.applyStatus === "manual"),
      removedManually: n(byApply, (r: { applyStatus: string | null }) => r.applyStatus === "removedManually"),
    },
    closedAt: c.closedAt?.toISOString() ?? null,
    closedByName: c.closedByName,
    closeReason: c.closeReason,
    appliedAt: c.appliedAt?.toISOString() ?? null,
    chainHead: c.chainHead,
    sync: {
      runId: c.syncRunId,
      finishedAt: manifest.finishedAt ?? null,
      complete: manifest.complete ?? null,
      counts: manifest.counts ?? {},
    },
    itemsHash: c.itemsHash,
    generatedAt: now.toISOString(),
  };
}

const APPLY_LABEL: Record<string, string> = {
  applied: "Removed",
  alreadyRemoved: "Already removed",
  failed: "Failed",
  pending: "Pending",
  applying: "In progress",
  manual: "To remove in Exchange or Active Directory",
  removedManually: "Removed outside Graph (seen by sync)",
};
const DECISION_LABEL: Record<string, string> = { approve: "Approve", revoke: "Revoke", dontknow: "Don't know" };

/**
 * Every item in ordinal order, `batch` rows per query. `hasher` (optional) is fed the frozen fields, so a
 * single pass both renders the rows and recomputes the population hash.
 */
/** What a renderer's single pass over the items collects for the header: the decisions hash and reviewer signals. */
export class ReportPass {
  readonly decisions = new DecisionsHasher();
  readonly signals = new SignalsCollector();
  /** Fills the header's scanned fields after the pass. */
  complete(h: ReportHeader): ReportHeader {
    h.decisions.hash = this.decisions.digest();
    h.reviewerSignals = this.signals.result();
    return h;
  }
}

/** The item columns a report reads (not the apply bookkeeping): named, so the rows stay small. */
const ITEM_COLUMNS = [
  "id",
  "ordinal",
  "principalId",
  "principalType",
  "principalName",
  "principalUpn",
  "principalKind",
  "resourceType",
  "resourceId",
  "resourceName",
  "accessId",
  "accessDetail",
  "recommendation",
  "recommendationReason",
  "decision",
  "decidedById",
  "decidedByName",
  "decidedAt",
  "justification",
  "decisionVia",
  "bulkSize",
  "decisionRelation",
  "outcome",
  "applyStatus",
  "applyError",
] as const;
type ItemRow = {
  id: string;
  ordinal: number;
  principalId: string;
  principalType: string;
  principalName: string | null;
  principalUpn: string | null;
  principalKind: string;
  resourceType: string;
  resourceId: string;
  resourceName: string | null;
  accessId: string;
  accessDetail: string | null;
  recommendation: string;
  recommendationReason: string;
  decision: string | null;
  decidedById: string | null;
  decidedByName: string | null;
  decidedAt: Date | null;
  justification: string | null;
  decisionVia: string | null;
  bulkSize: number | null;
  decisionRelation: string | null;
  outcome: string | null;
  applyStatus: string | null;
  applyError: string | null;
};

export async function* reportRows(
  db: Db,
  campaignId: string,
  hasher?: ItemsHasher,
  batch = 2_000,
  pass?: ReportPass,
): AsyncGenerator<ReportRow[]> {
  let after = 0;
  // Raw SQL over the (campaignId, ordinal) unique index, not findMany: at 100,000 items Prisma's model mapping took
  // 3.4 s and 370 MB of the report's 10 s and 512 MB; the same rows raw take 1.2 s and 245 MB (bench report, #17).
  const d = dialectOf(db);
  const sql = `SELECT ${ITEM_COLUMNS.map(q).join(", ")} FROM "CampaignItem" WHERE "campaignId" = ${d.p(1)} AND "ordinal" > ${d.p(2)} ORDER BY "ordinal" LIMIT ${Number(batch)}`;
  for (;;) {
    const items = await select<ItemRow>(db, sql, campaignId, after);
    if (items.length === 0) return;
    after = items[items.length - 1]!.ordinal;
    // Reviewers by UPN, not only by name: from the directory, else from Recert's own sign-in record.
    const reviewerIds = [...new Set(items.map((i) => i.decidedById).filter((x): x is string => Boolean(x)))];
    const upns = new Map<string, string>();
    if (reviewerIds.length) {
      for (const p of await db.principal.findMany({
        where: { id: { in: reviewerIds } },
        select: { id: true, upn: true },
      }))
        upns.set(p.id, p.upn);
      for (const u of await db.dirUser.findMany({
        where: { id: { in: reviewerIds } },
        select: { id: true, userPrincipalName: true },
      }))
        if (u.userPrincipalName) upns.set(u.id, u.userPrincipalName);
    }
    yield items.map((i) => {
      hasher?.add(i);
      pass?.decisions.add(i);
      pass?.signals.add(i);
      return {
        ordinal: i.ordinal,
        principal: i.principalName ?? i.principalId,
        principalUpn: i.principalUpn ?? "",
        principalId: i.principalId,
        principalKind: i.principalType === "group" ? "group" : i.principalKind,
        resourceType: i.resourceType,
        resource: i.resourceName ?? i.resourceId,
        access: i.accessDetail ?? "",
        recommendation: i.recommendation,
        recommendationReason: i.recommendationReason,
        decision: i.decision ? (DECISION_LABEL[i.decision] ?? i.decision) : "Not reviewed",
        reviewer: i.decidedByName ?? "",
        reviewerUpn: i.decidedById ? (upns.get(i.decidedById) ?? "") : "",
        reviewerId: i.decidedById ?? "",
        relation: i.decisionRelation ?? "",
        decidedAt: i.decidedAt?.toISOString() ?? "",
        via: i.decisionVia ? `${i.decisionVia}${i.bulkSize ? ` (${i.bulkSize})` : ""}` : "",
        justification: i.justification ?? "",
        outcome: i.outcome ?? "",
        applyResult: i.applyStatus ? (APPLY_LABEL[i.applyStatus] ?? i.applyStatus) : "",
        applyError: i.applyError ?? "",
      };
    });
    if (items.length < batch) return;
  }
}

/** Revocations of earlier campaigns, in the resources this campaign covers, that did not hold (#17). */
async function returnedEarlier(db: Db, campaignId: string, tenantId: string): Promise<ReportHeader["returnedEarlier"]> {
  const resources = (await db.campaignItem.groupBy({ by: ["resourceId"], where: { campaignId } })).map(
    (r) => r.resourceId,
  );
  const others = (
    await db.campaign.findMany({ where: { tenantId, id: { not: campaignId } }, select: { id: true } })
  ).map((c) => c.id);
  if (resources.length === 0 || others.length === 0) return { count: 0, items: [] };
  let count = 0;
  const items: ReturnedRevocation[] = [];
  for (let i = 0; i < resources.length; i += 500) {
    const where = {
      campaignId: { in: others },
      resourceId: { in: resources.slice(i, i + 500) },
      returnedAt: { not: null },
    };
    count += await db.campaignItem.count({ where });
    if (items.length < 500)
      for (const r of await db.campaignItem.findMany({
        where,
        orderBy: { returnedAt: "asc" },
        take: 500 - items.length,
        select: {
          campaignId: true,
          ordinal: true,
          principalName: true,
          principalUpn: true,
          resourceName: true,
          resourceId: true,
          principalId: true,
          returnedAt: true,
        },
      }))
        items.push({
          campaignId: r.campaignId,
          ordinal: r.ordinal,
          principal: r.principalUpn ?? r.principalName ?? r.principalId,
          resource: r.resourceName ?? r.resourceId,
          returnedAt: r.returnedAt!.toISOString(),
        });
  }
  return { count, items };
}
