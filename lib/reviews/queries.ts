/** Read models for the campaign pages: lists, a reviewer's inbox and items, an admin's view of progress. */
import { z } from "zod";
import { inIds, parameters } from "@/lib/db/sql";
import { pgPoolOf, sqliteHandleOf } from "@/lib/db/client";
import { searchText } from "@/lib/input";
import type { Ctx } from "@/lib/db/context";
import { effectiveItem, manualFor, manualOwners, nestedManual } from "./apply";
import { parseConfig } from "./lifecycle";
import { dueDate } from "./definition";
import { reviewerItemsFrom } from "./reviewer-items";

export interface CampaignSummary {
  id: string;
  name: string;
  status: string;
  sequence: number;
  startAt: string;
  endAt: string;
  stage: number;
  stageCount: number;
  itemCount: number;
  decided: number;
  recurrence: string;
  applied: { applied: number; alreadyRemoved: number; failed: number; pending: number; manual: number };
}

const iso = (d: Date | string | null | undefined): string | null =>
  d == null
    ? null
    : typeof d === "string"
      ? new Date(d.includes("T") || d.includes(" ") ? d : Number(d)).toISOString()
      : d.toISOString();
const byName = new Intl.Collator();
const num = (v: unknown): number => (typeof v === "bigint" ? Number(v) : Number(v ?? 0));

/**
 * Tens of thousands of short rows, as value arrays. On SQLite straight from its own handle: the New filter's two key
 * reads (56,235 and 51,235 rows in `npm run bench -- review` at 110,000 users) took 118 and 94 ms through the driver
 * adapter, which builds an object per row. The handle is the client's one connection; these reads are of keys that
 * never change once frozen (principal, resource, access), so an interactive transaction open on it at that moment
 * cannot change what they return.
 */
async function keyRows(ctx: Ctx, sql: string, values: unknown[]): Promise<unknown[][]> {
  const h = ctx.dialect.engine === "sqlite" ? sqliteHandleOf(ctx.db) : undefined;
  if (h)
    return h
      .prepare(sql)
      .raw(true)
      .all(...values) as unknown[][];
  // On PostgreSQL from the pool under the client, as value arrays (pg's rowMode "array"): the same reads took 160-185
  // and 106-114 ms through the adapter on the 110k bench database, about half the New filter's time.
  const pool = ctx.dialect.engine === "postgresql" ? pgPoolOf(ctx.db) : undefined;
  if (pool) return (await pool.query({ text: sql, values, rowMode: "array" })).rows as unknown[][];
  return (await ctx.db.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...values)).map((r) => Object.values(r));
}

export async function listCampaigns(ctx: Ctx): Promise<CampaignSummary[]> {
  const { db, tenantId } = ctx;
  const cs = await db.campaign.findMany({ where: { tenantId }, orderBy: [{ createdAt: "desc" }] });
  if (cs.length === 0) return [];
  const ids = cs.map((c) => c.id);
  const decided = await db.campaignItem.groupBy({
    by: ["campaignId"],
    where: { campaignId: { in: ids }, decision: { not: null } },
    _count: { _all: true },
  });
  const applied = await db.campaignItem.groupBy({
    by: ["campaignId", "applyStatus"],
    where: { campaignId: { in: ids }, applyStatus: { not: null } },
    _count: { _all: true },
  });
  const defs = await db.campaignDefinition.findMany({
    where: { id: { in: cs.map((c) => c.definitionId) } },
    select: { id: true, recurrence: true },
  });
  return cs.map((c) => {
    const a = { applied: 0, alreadyRemoved: 0, failed: 0, pending: 0, manual: 0 };
    for (const g of applied.filter((x) => x.campaignId === c.id)) {
      if (g.applyStatus === "applied") a.applied = g._count._all;
      else if (g.applyStatus === "alreadyRemoved" || g.applyStatus === "removedManually")
        a.alreadyRemoved += g._count._all;
      else if (g.applyStatus === "manual") a.manual = g._count._all;
      else if (g.applyStatus === "failed") a.failed = g._count._all;
      else if (g.applyStatus === "pending" || g.applyStatus === "applying") a.pending += g._count._all;
    }
    return {
      id: c.id,
      name: c.name,
      status: c.status,
      sequence: c.sequence,
      startAt: c.startAt.toISOString(),
      endAt: c.endAt.toISOString(),
      stage: c.stage,
      stageCount: c.stageCount,
      itemCount: c.itemCount,
      decided: decided.find((d) => d.campaignId === c.id)?._count._all ?? 0,
      recurrence: defs.find((d) => d.id === c.definitionId)?.recurrence ?? "one_off",
      applied: a,
    };
  });
}

export interface InboxEntry {
  campaignId: string;
  name: string;
  dueAt: string;
  stage: number;
  total: number;
  decided: number;
}

/** "My reviews": every active campaign with items assigned to me in their current stage. */
export async function myInbox(ctx: Ctx, reviewerId: string): Promise<InboxEntry[]> {
  const { db, tenantId } = ctx;
  // Per active campaign (a handful), so the reviewer's items in closed campaigns are never read.
  const cs = await db.campaign.findMany({ where: { tenantId, status: "active" } });
  const rows: { campaignId: string; total: unknown; decided: unknown }[] = [];
  for (const c of cs) {
    const { values, p } = parameters(ctx.dialect);
    const [r] = await db.$queryRawUnsafe<{ total: unknown; decided: unknown }[]>(
      `SELECT COUNT(*) AS total, COUNT(i."decision") AS decided FROM ${await reviewerItemsFrom(ctx, p, c.id, reviewerId)}`,
      ...values,
    );
    if (num(r?.total) > 0) rows.push({ campaignId: c.id, total: r!.total, decided: r!.decided });
  }
  if (rows.length === 0) return [];
  return rows
    .map((r) => {
      const c = cs.find((x) => x.id === r.campaignId)!;
      return {
        campaignId: c.id,
        name: c.name,
        dueAt: dueDate(c).toISOString(),
        stage: c.stage,
        total: num(r.total),
        decided: num(r.decided),
      };
    })
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}

export { dueDate } from "./definition";

export const REVIEW_PAGE_SIZE = 100;
export const ZReviewQuery = z.object({
  q: searchText(),
  rec: z.enum(["all", "approve", "revoke", "no_data"]).catch("all"),
  kind: z.enum(["all", "member", "guest"]).catch("all"),
  resource: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9-]*$/)
    .catch(""),
  state: z.enum(["all", "undecided", "decided"]).catch("all"),
  /** "new": only access no earlier campaign reviewed (the New badge's rule, #18). */
  since: z.enum(["all", "new"]).catch("all"),
  sort: z.enum(["principal", "resource", "recommendation", "decision", "lastSignIn"]).catch("resource"),
  dir: z.enum(["asc", "desc"]).catch("asc"),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type ReviewQuery = z.infer<typeof ZReviewQuery>;

export interface ReviewItemRow {
  id: string;
  principalId: string;
  principalName: string | null;
  principalUpn: string | null;
  principalKind: string;
  principalType: string;
  resourceType: string;
  resourceId: string;
  resourceName: string | null;
  accessDetail: string | null;
  lastSignInAt: string | null;
  recommendation: string;
  recommendationReason: string;
  decision: string | null;
  decidedByName: string | null;
  decidedAt: string | null;
  justification: string | null;
  relation: string;
  /** The access is no longer in Entra (seen by a sync since the start): someone removed it meanwhile. */
  goneFromEntra: boolean;
  /** No earlier campaign reviewed this access (#18); null when there is no earlier campaign to compare with. */
  isNew: boolean | null;
  earlier: { stage: number; decision: string | null; by: string | null; justification: string | null }[];
}

export interface ReviewPage {
  campaign: {
    id: string;
    name: string;
    status: string;
    stage: number;
    stageCount: number;
    dueAt: string;
    endAt: string;
    justification: { onApprove: boolean; onRevoke: boolean };
    /** Whether reviewers may hand items to a colleague (the definition's setting). */
    allowDelegation: boolean;
    description: string;
  };
  rows: ReviewItemRow[];
  total: number;
  progress: { total: number; decided: number; approve: number; revoke: number; dontknow: number };
  resources: { id: string; name: string | null }[];
  pageSize: number;
}

const SORT_SQL: Record<ReviewQuery["sort"], string> = {
  principal: `i."principalName"`,
  resource: `i."resourceName"`,
  recommendation: `i."recommendation"`,
  decision: `i."decision"`,
  lastSignIn: `i."lastSignInAt"`,
};

/** One page of a reviewer's items in a campaign (only theirs, in the item's current stage). Null when the campaign is not theirs. */
export async function reviewPage(
  ctx: Ctx,
  campaignId: string,
  reviewerId: string,
  query: ReviewQuery,
): Promise<ReviewPage | null> {
  const { db, tenantId } = ctx;
  const c = await db.campaign.findUnique({ where: { id: campaignId } });
  if (!c || c.tenantId !== tenantId || c.status === "draft") return null;
  const pg = ctx.dialect.engine === "postgresql";
  const { values: params, p } = parameters(ctx.dialect);
  // The reviewer's items (see reviewer-items.ts for why not through the CampaignItemReviewer view).
  const base = `FROM ${await reviewerItemsFrom(ctx, p, campaignId, reviewerId)} WHERE 1 = 1`;
  const baseParams = params.length;
  // The progress counts and the resource filter's choices, by decision and resource. Started first: on PostgreSQL the
  // New filter's key reads run beside it on another of the pool's connections.
  const progressQuery = db.$queryRawUnsafe<
    { decision: string | null; resourceId: string; resourceName: string | null; n: unknown }[]
  >(
    `SELECT i."decision", i."resourceId", i."resourceName", COUNT(*) AS n ${base} GROUP BY i."decision", i."resourceId", i."resourceName"`,
    ...params.slice(0, baseParams),
  );
  progressQuery.catch(() => undefined); // awaited below; a failure before then is not an unhandled rejection
  const conds: string[] = [];
  if (query.q) {
    const like = `%${query.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    const op = pg ? "ILIKE" : "LIKE";
    conds.push(
      `(i."principalName" ${op} ${p(like)} ESCAPE '\\' OR i."principalUpn" ${op} ${p(like)} ESCAPE '\\' OR i."resourceName" ${op} ${p(like)} ESCAPE '\\')`,
    );
  }
  if (query.rec !== "all") conds.push(`i."recommendation" = ${p(query.rec)}`);
  if (query.kind !== "all") conds.push(`i."principalKind" = ${p(query.kind)}`);
  if (query.resource) conds.push(`i."resourceId" = ${p(query.resource)}`);
  if (query.state === "decided") conds.push(`i."decision" IS NOT NULL`);
  if (query.state === "undecided") conds.push(`i."decision" IS NULL`);
  if (query.since === "new") {
    const earlier = await earlierCampaigns(ctx, c);
    // Access an earlier campaign reviewed, by the badge's rule: the earlier items in the ranges of this reviewer's
    // resources. Computed here, not by the planner: in one statement PostgreSQL misjudged the reviewer's rows through
    // the CampaignItemReviewer view (estimated 1, really 47,700) and chose nested loops (47 s in `npm run bench --
    // review`); SQLite's NOT IN built string keys per row. Here: the reviewer's item keys (the page's own query), the
    // earlier ranges of their resources, index range scans of those ranges, a hash set in memory, and the new ids go
    // back as one parameter that the database expands once (inIds).
    if (earlier.length) {
      // Keys made by the database (one value per row instead of three: fewer values through the driver). On
      // PostgreSQL a 64-bit hash of the key (hashtextextended): pg decodes every byte of every row, and the two key
      // reads (56,841 and 51,821 rows on the 110k bench database) took 140-260 and 106-114 ms as strings, 80-110 and
      // 60 ms as hashes. Two keys would collide with odds of about 1 in 10^10 here, and then an item would only be
      // missing from this filter, never from the review.
      const key = (a: string) => {
        const k = `${a}."principalId" || '|' || ${a}."resourceId" || '|' || ${a}."accessId"`;
        return pg ? `hashtextextended(${k}, 0)::text` : k;
      };
      const mine = (await keyRows(ctx, `SELECT i."id", ${key("i")} AS k ${base}`, params.slice(0, baseParams))) as [
        id: string,
        k: string,
      ][];
      // The reviewer's resources, from the progress counts (the same rows, grouped).
      const resources = [...new Set((await progressQuery).map((r) => r.resourceId))];
      const ranges = new Map<string, { campaignId: string; firstOrdinal: number; lastOrdinal: number }>();
      const d = ctx.dialect;
      // Both id lists as one parameter each (inIds; one statement, whatever the number of resources).
      // Integers come as BigInt from SQLite's handle (the adapter's safe-integer mode).
      const lists = parameters(d);
      for (const [campaignId, firstOrdinal, lastOrdinal] of (await keyRows(
        ctx,
        `SELECT "campaignId", "firstOrdinal", "lastOrdinal" FROM "CampaignResourceReviewer" WHERE ${inIds(d, lists.p, '"campaignId"', earlier)} AND ${inIds(d, lists.p, '"resourceId"', resources)}`,
        lists.values,
      )) as [string, unknown, unknown][])
        ranges.set(`${campaignId}:${firstOrdinal}`, {
          campaignId,
          firstOrdinal: num(firstOrdinal),
          lastOrdinal: num(lastOrdinal),
        });
      // The earlier items of those ranges, one statement per earlier campaign: the ranges go in as one JSON parameter,
      // and each becomes an index range scan on (campaignId, ordinal) in a nested loop. EXPLAIN ANALYZE on the bench
      // database: 500 ranges, 48,001 items in 45 ms on PostgreSQL. SQLite put CampaignItem outside (a scan of the
      // campaign per range: minutes); its CROSS JOIN fixes the order (SCAN json_each, then SEARCH CampaignItem USING
      // INDEX … (campaignId=? AND ordinal>? AND ordinal<?)). An OR of ranges was a full scan on SQLite (9 s for 51,235
      // items), and UNION ALL branches, 200 a statement, cost 180 ms on PostgreSQL in planning and rows.
      const seenKeys = new Set<string>();
      const byCampaign = new Map<string, [number, number][]>();
      for (const r of ranges.values())
        byCampaign.set(r.campaignId, [...(byCampaign.get(r.campaignId) ?? []), [r.firstOrdinal, r.lastOrdinal]]);
      for (const [earlierId, list] of byCampaign) {
        const rows = await keyRows(
          ctx,
          pg
            ? `SELECT ${key("e")} AS k FROM json_array_elements(${d.p(1)}::json) r JOIN "CampaignItem" e ON e."campaignId" = ${d.p(2)} AND e."ordinal" BETWEEN (r.value->>0)::int AND (r.value->>1)::int`
            : `SELECT ${key("e")} AS k FROM json_each(?) r CROSS JOIN "CampaignItem" e ON e."campaignId" = ? AND e."ordinal" BETWEEN json_extract(r.value, '$[0]') AND json_extract(r.value, '$[1]')`,
          [JSON.stringify(list), earlierId],
        );
        for (const r of rows) seenKeys.add(r[0] as string);
      }
      const fresh = mine.filter((r) => !seenKeys.has(r[1])).map((r) => r[0]);
      // On PostgreSQL a text[] parameter (inIds). As `IN (SELECT json_array_elements_text(…))` the planner, estimating
      // the function at 100 rows, chose a nested-loop semi join that compared each of the reviewer's 52,700 items with
      // the 5,000 new ids: 21.3 s under EXPLAIN ANALYZE on the 110k bench database, 86 ms as `= ANY($5::text[])` (found
      // once the bench's next review had new items).
      conds.push(fresh.length === 0 ? "1 = 0" : inIds(d, p, 'i."id"', fresh));
    }
  }
  const where = `${base}${conds.length ? ` AND ${conds.join(" AND ")}` : ""}`;
  // The progress counts: with no filter but decided/undecided they also give the total, which saves a third pass over
  // a large reviewer's items.
  // The page's rows, started before the counts are awaited: on PostgreSQL the two run at once on two connections (the
  // 92,341-item reviewer's page: about 250 ms each on the bench database, one after the other before).
  const countWithPage = query.since === "new";
  const order = `${SORT_SQL[query.sort]} ${query.dir === "desc" ? "DESC" : "ASC"}${pg ? (query.dir === "desc" ? " NULLS LAST" : " NULLS FIRST") : ""}, i."ordinal" ASC`;
  const limit = REVIEW_PAGE_SIZE;
  const offset = (query.page - 1) * limit;
  const rowsQuery = db.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT i."id", i."principalId", i."principalName", i."principalUpn", i."principalKind", i."principalType", i."resourceType", i."resourceId", i."resourceName", i."accessDetail",
            i."lastSignInAt", i."recommendation", i."recommendationReason", i."decision", i."decidedByName", i."decidedAt", i."justification", i."relation", i."stage", i."goneFromEntra", i."accessId"${countWithPage ? `, COUNT(*) OVER () AS "pageTotal"` : ""}
     ${where} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
    ...params,
  );
  rowsQuery.catch(() => undefined); // awaited below
  const progressRows = await progressQuery;
  const progress = { total: 0, decided: 0, approve: 0, revoke: 0, dontknow: 0 };
  const resourceNames = new Map<string, string | null>();
  for (const r of progressRows) {
    resourceNames.set(r.resourceId, r.resourceName);
    const n = num(r.n);
    progress.total += n;
    if (r.decision) {
      progress.decided += n;
      if (r.decision === "approve" || r.decision === "revoke" || r.decision === "dontknow") progress[r.decision] += n;
    }
  }
  if (progress.total === 0) {
    const any = await db.campaignItemReviewer.count({ where: { campaignId, reviewerId } });
    if (any === 0) return null;
  }
  const onlyState = !query.q && query.rec === "all" && query.kind === "all" && !query.resource && query.since === "all";
  // With the New filter the anti-join is the cost: the page carries its total (COUNT(*) OVER ()), one pass, not two.
  const countAll = async () =>
    num((await db.$queryRawUnsafe<{ n: unknown }[]>(`SELECT COUNT(*) AS n ${where}`, ...params))[0]?.n);
  let total = onlyState
    ? query.state === "decided"
      ? progress.decided
      : query.state === "undecided"
        ? progress.total - progress.decided
        : progress.total
    : countWithPage
      ? -1
      : await countAll();
  const rows = await rowsQuery;
  // A page past the end carries no total: count then.
  if (total < 0) total = rows.length ? num(rows[0]!.pageTotal) : await countAll();
  const resources = [...resourceNames]
    .map(([id, name]) => ({ id, name }))
    .sort((a, b) => byName.compare(a.name ?? "", b.name ?? "") || (a.id < b.id ? -1 : 1))
    .slice(0, 500);
  const earlier =
    c.stage > 1 && rows.length
      ? await db.campaignStageDecision.findMany({
          where: { itemId: { in: rows.map((r) => String(r.id)) } },
          orderBy: { stage: "asc" },
        })
      : [];
  // Filtered to New, every row is new by that same rule (no second look at the earlier campaigns).
  const seen =
    query.since === "new" && rows.length
      ? new Set<string>()
      : await seenBefore(ctx, c, rows as { principalId: string; resourceId: string; accessId: string }[]);
  const config = parseConfig(c.config);
  const def = await db.campaignDefinition.findUnique({ where: { id: c.definitionId }, select: { description: true } });
  return {
    campaign: {
      id: c.id,
      name: c.name,
      status: c.status,
      stage: c.stage,
      stageCount: c.stageCount,
      dueAt: dueDate(c).toISOString(),
      endAt: c.endAt.toISOString(),
      justification: config.justification,
      allowDelegation: config.allowDelegation,
      description: def?.description ?? "",
    },
    rows: rows.map((r) => ({
      id: String(r.id),
      principalId: String(r.principalId),
      principalName: (r.principalName as string | null) ?? null,
      principalUpn: (r.principalUpn as string | null) ?? null,
      principalKind: String(r.principalKind),
      principalType: String(r.principalType),
      resourceType: String(r.resourceType),
      resourceId: String(r.resourceId),
      resourceName: (r.resourceName as string | null) ?? null,
      accessDetail: (r.accessDetail as string | null) ?? null,
      lastSignInAt: iso(r.lastSignInAt as Date | string | null),
      recommendation: String(r.recommendation),
      recommendationReason: String(r.recommendationReason),
      decision: (r.decision as string | null) ?? null,
      decidedByName: (r.decidedByName as string | null) ?? null,
      decidedAt: iso(r.decidedAt as Date | string | null),
      justification: (r.justification as string | null) ?? null,
      relation: String(r.relation),
      goneFromEntra: r.goneFromEntra === true || r.goneFromEntra === 1 || r.goneFromEntra === 1n,
      isNew: seen ? !seen.has(`${r.principalId}|${r.resourceId}|${r.accessId}`) : null,
      earlier: earlier
        .filter((e) => e.itemId === r.id)
        .map((e) => ({ stage: e.stage, decision: e.decision, by: e.decidedByName, justification: e.justification })),
    })),
    total,
    progress,
    resources,
    pageSize: limit,
  };
}

/**
 * Which of a page's accesses an earlier campaign (closed before this one started, the ten latest) already reviewed:
 * keys principal|resource|access, or null when there is no earlier campaign. A resource's items are one ordinal range
 * per campaign (CampaignResourceReviewer), so each lookup is an index range scan, never a pass over all items.
 */
/** The campaigns "the last review" means: up to ten closed before this one started, latest first. */
async function earlierCampaigns(ctx: Ctx, c: { id: string; tenantId: string; startAt: Date }): Promise<string[]> {
  const earlier = await ctx.db.campaign.findMany({
    where: {
      tenantId: c.tenantId,
      id: { not: c.id },
      status: { in: ["closed", "applied"] },
      closedAt: { lte: c.startAt },
    },
    orderBy: { closedAt: "desc" },
    select: { id: true },
    take: 10,
  });
  return earlier.map((e) => e.id);
}

async function seenBefore(
  ctx: Ctx,
  c: { id: string; tenantId: string; startAt: Date },
  rows: { principalId: string; resourceId: string; accessId: string }[],
): Promise<Set<string> | null> {
  const earlier = (await earlierCampaigns(ctx, c)).map((id) => ({ id }));
  if (earlier.length === 0) return null;
  const seen = new Set<string>();
  if (rows.length === 0) return seen;
  const resources = [...new Set(rows.map((r) => r.resourceId))];
  const ranges = await ctx.db.campaignResourceReviewer.findMany({
    where: { campaignId: { in: earlier.map((e) => e.id) }, resourceId: { in: resources } },
    select: { campaignId: true, resourceId: true, firstOrdinal: true, lastOrdinal: true },
    distinct: ["campaignId", "resourceId"],
  });
  for (const range of ranges) {
    const principals = [...new Set(rows.filter((r) => r.resourceId === range.resourceId).map((r) => r.principalId))];
    const hits = await ctx.db.campaignItem.findMany({
      where: {
        campaignId: range.campaignId,
        ordinal: { gte: range.firstOrdinal, lte: range.lastOrdinal },
        principalId: { in: principals },
      },
      select: { principalId: true, resourceId: true, accessId: true },
    });
    for (const h of hits) seen.add(`${h.principalId}|${h.resourceId}|${h.accessId}`);
  }
  return seen;
}

export interface CampaignDetail {
  id: string;
  definitionId: string;
  name: string;
  description: string;
  status: string;
  config: ReturnType<typeof parseConfig>;
  startAt: string;
  endAt: string;
  dueAt: string;
  stage: number;
  stageCount: number;
  itemCount: number;
  itemsHash: string | null;
  syncRunId: string | null;
  syncManifest: Record<string, unknown> | null;
  closedAt: string | null;
  closedByName: string | null;
  closeReason: string | null;
  chainHead: string | null;
  appliedAt: string | null;
  decisions: { approve: number; revoke: number; dontknow: number; undecided: number };
  outcomes: Record<string, number>;
  apply: Record<string, number>;
  reviewers: {
    reviewerId: string;
    name: string | null;
    relation: string;
    total: number;
    decided: number;
    overdue: boolean;
  }[];
  failures: { itemId: string; principalName: string | null; resourceName: string | null; error: string | null }[];
  /** Revocations to carry out by hand: in Exchange Online (mail-enabled security groups, distribution lists) or in Active Directory (groups synced from it), with the command. */
  manual: {
    itemId: string;
    principalName: string | null;
    resourceName: string | null;
    /** "Exchange Online" or "Active Directory" */
    where: string;
    command: string;
  }[];
  /** Items whose access a sync since the start no longer finds in Entra, not removed by Recert. */
  goneMeanwhile: number;
}

export async function campaignDetail(ctx: Ctx, campaignId: string): Promise<CampaignDetail | null> {
  const { db, tenantId } = ctx;
  const now = ctx.now();
  const c = await db.campaign.findUnique({ where: { id: campaignId } });
  if (!c || c.tenantId !== tenantId) return null;
  const def = await db.campaignDefinition.findUnique({ where: { id: c.definitionId }, select: { description: true } });
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
  const decisions = { approve: 0, revoke: 0, dontknow: 0, undecided: 0 };
  for (const g of byDecision) decisions[(g.decision ?? "undecided") as keyof typeof decisions] = g._count._all;
  const reviewerRows =
    c.status === "draft"
      ? []
      : await db.$queryRawUnsafe<{ reviewerId: string; relation: string; total: unknown; decided: unknown }[]>(
          `SELECT r."reviewerId", MIN(r."relation") AS relation, COUNT(*) AS total, COUNT(i."decision") AS decided
     FROM "CampaignItemReviewer" r JOIN "CampaignItem" i ON i."id" = r."itemId" AND i."stage" = r."stage"
     WHERE r."campaignId" = ${ctx.dialect.p(1)} AND r."stage" = ${c.stage}
     GROUP BY r."reviewerId" ORDER BY COUNT(*) - COUNT(i."decision") DESC LIMIT 200`,
          campaignId,
        );
  const names = await db.dirUser.findMany({
    where: { id: { in: reviewerRows.map((r) => r.reviewerId) } },
    select: { id: true, displayName: true },
  });
  const due = dueDate(c);
  const failures = await db.campaignItem.findMany({
    where: { campaignId, applyStatus: "failed" },
    take: 100,
    select: { id: true, principalName: true, resourceName: true, applyError: true },
  });
  const goneMeanwhile = await db.campaignItem.count({
    where: {
      campaignId,
      goneFromEntra: true,
      OR: [{ applyStatus: null }, { applyStatus: { in: ["pending", "failed", "manual"] } }],
    },
  });
  const manual = await db.campaignItem.findMany({
    where: { campaignId, applyStatus: "manual" },
    orderBy: { ordinal: "asc" },
    take: 500,
    select: {
      id: true,
      principalName: true,
      resourceName: true,
      resourceId: true,
      resourceType: true,
      principalId: true,
      accessId: true,
      accessDetail: true,
      revokeVia: true,
      applyError: true,
    },
  });
  // An item held through nested groups (#19): the membership the reviewer chose (as apply sees it), else no command of
  // Recert's choosing.
  const effective = manual.map(effectiveItem);
  const owners = await manualOwners(ctx, effective);
  return {
    id: c.id,
    definitionId: c.definitionId,
    name: c.name,
    description: def?.description ?? "",
    status: c.status,
    config: parseConfig(c.config),
    startAt: c.startAt.toISOString(),
    endAt: c.endAt.toISOString(),
    dueAt: due.toISOString(),
    stage: c.stage,
    stageCount: c.stageCount,
    itemCount: c.itemCount,
    itemsHash: c.itemsHash,
    syncRunId: c.syncRunId,
    syncManifest: c.syncManifest ? (JSON.parse(c.syncManifest) as Record<string, unknown>) : null,
    closedAt: c.closedAt?.toISOString() ?? null,
    closedByName: c.closedByName,
    closeReason: c.closeReason,
    chainHead: c.chainHead,
    appliedAt: c.appliedAt?.toISOString() ?? null,
    decisions,
    outcomes: Object.fromEntries(byOutcome.map((g) => [g.outcome!, g._count._all])),
    apply: Object.fromEntries(byApply.map((g) => [g.applyStatus!, g._count._all])),
    reviewers: reviewerRows.map((r) => ({
      reviewerId: r.reviewerId,
      name: names.find((n) => n.id === r.reviewerId)?.displayName ?? null,
      relation: r.relation,
      total: num(r.total),
      decided: num(r.decided),
      overdue: c.status === "active" && now > due && num(r.decided) < num(r.total),
    })),
    failures: failures.map((f) => ({
      itemId: f.id,
      principalName: f.principalName,
      resourceName: f.resourceName,
      error: f.applyError,
    })),
    goneMeanwhile,
    manual: manual.map((m, k) => {
      // The group as the last sync saw it; one no longer owned outside Graph keeps the note recorded at apply.
      const e = effective[k]!;
      const removal = e.resourceType === "groupNested" ? nestedManual(m, 0) : manualFor(owners, e);
      return {
        itemId: m.id,
        principalName: m.principalName,
        resourceName: m.resourceName,
        where: removal?.where ?? "the system that owned the group at apply",
        command: removal?.command ?? (m.applyError ?? "").replace(/^.*?(?=(Remove-|Disable-))/s, ""),
      };
    }),
  };
}

/** My undecided items of the current stage that carry a recommendation (for "Accept all recommendations"), at most 5,000. */
export async function undecidedWithRecommendation(
  ctx: Ctx,
  campaignId: string,
  reviewerId: string,
  stage: number,
): Promise<string[]> {
  const { values, p } = parameters(ctx.dialect);
  const rows = await ctx.db.$queryRawUnsafe<{ id: string }[]>(
    `SELECT i."id" FROM ${await reviewerItemsFrom(ctx, p, campaignId, reviewerId, { stage })}
     WHERE i."decision" IS NULL AND i."recommendation" IN ('approve', 'revoke')
     ORDER BY i."ordinal" LIMIT 5000`,
    ...values,
  );
  return rows.map((r) => r.id);
}
