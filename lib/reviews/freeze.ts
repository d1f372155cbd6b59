/**
 * Freezes a campaign's items from the directory as of the last finished sync: one item per principal's
 * access to a resource in scope, with its reviewers for every stage and its recommendation. Runs while the start
 * holds the write lock (PostgreSQL: inside the start transaction, in one snapshot; SQLite: while the items' writer's
 * transaction holds it), so a concurrent sync's apply cannot interleave with the reads.
 */
import { randomBytes } from "node:crypto";
import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";
import { CopyStream, copyField, copyInRows, copyOut, copyRow, literal, pgRows } from "@/lib/db/pg-direct";
import { TextBuffer } from "@/lib/db/text-buffer";
import {
  bulkInsert,
  inIds,
  parameters,
  POSTGRES,
  SQLITE,
  type BulkColumn,
  type Engine,
  type SqlRunner,
} from "@/lib/db/sql";
import { scopeParts, type CampaignConfig } from "./definition";
import { formatNestedPath, otherPathsNote } from "./nested-path";
import { formatRoleDetail } from "./role-detail";
import { ItemsHasher } from "./items-hash";
import { DEFAULT_RECOMMENDATION_OPTIONS, type RecommendationOptions, recommend } from "./recommend";
import { resolveReviewers, type ReviewerContext } from "./reviewers";
import { ItemsPacker, type ItemsTable, type SqliteItemsWriter } from "./sqlite-items-writer";

/** What freeze needs of a Prisma client or transaction. */
export interface FreezeDb extends SqlRunner {
  dirUser: { findMany(args: object): Promise<UserRow[]> };
}

interface UserRow {
  id: string;
  displayName: string | null;
  userPrincipalName: string | null;
  userType: string | null;
  accountEnabled: boolean;
  externalUserState: string | null;
  createdAt: Date | null;
  lastSignInAt: Date | null;
  /** lastSignInAt as the item row stores it (SQLite's text when rows go in through its own handle), once per user. */
  lastSignInStored?: unknown;
  /** The recommendation from the person's own account (every rule but the peer one), once per person. */
  rec?: { recommendation: string; reason: string };
  /** The person's index in People.all (their manager's and department's indexes, and their rank, are People's). */
  ix?: number;
  managerId: string | null;
  department: string | null;
}

export interface FreezeInput {
  campaignId: string;
  tenantId: string;
  config: CampaignConfig;
  creatorId: string;
  now: Date;
  /** False when the sync could not read sign-in activity (licence or permission). */
  signInDataAvailable: boolean;
  /**
   * False when the latest sync skipped PIM (a tenant without Entra ID P2, #19): its stored schedules are an earlier
   * sync's, which Graph no longer confirms, so no eligibility is frozen from them and no end date is shown.
   */
  pimRead?: boolean;
  /** The same for PIM for Groups: no group eligibility and no end of an active membership from an earlier sync. */
  pimGroupsRead?: boolean;
  /**
   * SQLite only: the app's connection, read from straight (no adapter). Without `writer`, it must be inside the
   * surrounding transaction, and rows go in through its prepared statements (about four times faster than JSON batches
   * through the adapter for a million rows).
   */
  sqlite?: BetterSqlite3.Database;
  /**
   * SQLite only: the worker that inserts the rows on its own connection, in the transaction it opened when it claimed
   * the draft (lib/reviews/sqlite-items-writer.ts), while this thread computes the next ones.
   */
  writer?: SqliteItemsWriter;
  /**
   * PostgreSQL only: the connection the surrounding transaction runs on (`pgTransactionConnection`). Reads then come
   * straight from pg (the memberships streamed by COPY … TO STDOUT) and rows go in by COPY … FROM STDIN.
   */
  pg?: pg.ClientBase;
}

export interface FreezeResult {
  itemCount: number;
  itemsHash: string;
  reviewerCount: number;
  /** Items per reviewer in the first stage (all undecided at start): the assignment notices. */
  firstStageLoad: Map<string, number>;
  resources: number;
  fallbackItems: number;
  skipped: { dynamicGroups: number };
  /** What the scope's exclusions left out (#19): the excluded groups and users, and the items they removed. */
  excluded: { groupIds: string[]; userIds: string[]; items: number };
  /** Group scopes with nested expansion (#19): what it added. */
  nested?: Expansion;
}

// Order of the values freezeItems pushes per item (ITEM_WIDTH of them).
export const ITEM_COLUMNS: BulkColumn[] = [
  { name: "id", type: "string" },
  { name: "campaignId", type: "string" },
  { name: "ordinal", type: "int" },
  { name: "principalId", type: "string" },
  { name: "principalType", type: "string" },
  { name: "principalName", type: "string" },
  { name: "principalUpn", type: "string" },
  { name: "principalKind", type: "string" },
  { name: "resourceType", type: "string" },
  { name: "resourceId", type: "string" },
  { name: "resourceName", type: "string" },
  { name: "accessId", type: "string" },
  { name: "accessDetail", type: "string" },
  { name: "lastSignInAt", type: "datetime" },
  { name: "recommendation", type: "string" },
  { name: "recommendationReason", type: "string" },
];
// stage, fromRecommendation, applyAttempts, goneFromEntra and version take their column defaults.
const RESOURCE_REVIEWER_COLUMNS: BulkColumn[] = [
  { name: "campaignId", type: "string" },
  { name: "stage", type: "int" },
  { name: "resourceId", type: "string" },
  { name: "reviewerId", type: "string" },
  { name: "relation", type: "string" },
  { name: "firstOrdinal", type: "int" },
  { name: "lastOrdinal", type: "int" },
];
const REVIEWER_COLUMNS: BulkColumn[] = [
  { name: "campaignId", type: "string" },
  { name: "itemId", type: "string" },
  { name: "stage", type: "int" },
  { name: "reviewerId", type: "string" },
  { name: "relation", type: "string" },
];

interface Resource {
  type: "group" | "directoryRole" | "app";
  id: string;
  name: string | null;
  owners: string[];
  /** holders: principal id → access id, type and detail */
  holders: Holder[];
  /**
   * Group resources: the synced users who are direct members, as indexes into People.all. A million memberships are
   * kept as numbers, not as a million objects and id strings (about 250 MB less at 110k users); each resource's
   * holder objects are made when its turn comes and dropped after (`holdersOf`).
   */
  members?: number[];
  /** PIM for Groups (#19): the end date of a synced user's time-bound active membership, by user id. */
  activeUntil?: Map<string, string>;
  /**
   * PIM for Groups: members who are in the group through an activation of their eligibility. Their membership ends by
   * itself and is not an item; the eligibility it comes from is (as for activated roles).
   */
  activated?: Set<string>;
}

interface Holder {
  principalId: string;
  principalType: "user" | "group" | "servicePrincipal";
  accessId: string;
  accessDetail: string | null;
  /**
   * The item's resourceType when not the resource's (#19): a PIM eligibility of a directory role, a group's access
   * held through a nested group, or an eligibility (PIM for Groups) for a group's membership or ownership.
   */
  resourceType?: "directoryRoleEligible" | "groupNested" | "groupEligible" | "groupOwnerEligible";
  rank?: number;
  u?: UserRow | null;
}

const byName = (a: { name: string | null; id: string }, b: { name: string | null; id: string }) =>
  collator.compare(a.name ?? "", b.name ?? "") || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

type Reader = (<T>(sql: string, ...values: unknown[]) => Promise<T[]>) & {
  /** Row by row as value arrays in column order, without an object per row (SQLite streams them from its handle). */
  each(sql: string, values: unknown[], fn: (row: unknown[]) => void): Promise<void>;
};
/**
 * Raw reads: straight from SQLite's own handle or the PostgreSQL transaction's pg connection when there is one (a
 * million rows parse several times faster, and PostgreSQL's arrive as a stream), else through the client.
 */
function reader(db: SqlRunner, sqlite: BetterSqlite3.Database | undefined, conn?: pg.ClientBase): Reader {
  if (conn) {
    return Object.assign(<T>(sql: string, ...values: unknown[]) => pgRows<T>(conn, sql, values), {
      // COPY takes no parameters: $n become quoted literals.
      each: (sql: string, values: unknown[], fn: (row: unknown[]) => void) =>
        copyOut(
          conn,
          sql.replace(/\$(\d+)/g, (_, i: string) => literal(conn, String(values[Number(i) - 1]))),
          fn,
        ),
    });
  }
  if (sqlite) {
    return Object.assign(async <T>(sql: string, ...values: unknown[]) => sqlite.prepare(sql).all(...values) as T[], {
      async each(sql: string, values: unknown[], fn: (row: unknown[]) => void) {
        for (const row of sqlite
          .prepare(sql)
          .raw(true)
          .iterate(...values))
          fn(row as unknown[]);
      },
    });
  }
  return Object.assign(<T>(sql: string, ...values: unknown[]) => db.$queryRawUnsafe<T[]>(sql, ...values), {
    async each(sql: string, values: unknown[], fn: (row: unknown[]) => void) {
      for (const row of await db.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...values)) fn(Object.values(row));
    },
  });
}

/** Names sort as people expect in the browser's language; one collator is ~10× faster than localeCompare per call. */
const collator = new Intl.Collator();

function pushMulti(m: Map<string, string[]>, k: string, v: string) {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

async function loadResources(
  rows: Reader,
  engine: Engine,
  tenantId: string,
  c: CampaignConfig,
  people: People,
  pimRead = true,
  pimGroupsRead = true,
): Promise<{ resources: Resource[]; dynamicGroups: number; nested?: Expansion }> {
  const { ixOf, all } = people;
  const p = (i: number) => (engine === "sqlite" ? "?" : `$${i}`);
  const kind = c.scope.kind;
  if (kind === "directoryRoles") {
    const defs = await rows<{ id: string; displayName: string | null }>(
      `SELECT "id", "displayName" FROM "DirRoleDefinition" WHERE "tenantId" = ${p(1)}`,
      tenantId,
    );
    const assignments = await rows<{
      id: string;
      roleDefinitionId: string;
      principalId: string;
      principalType: string;
      directoryScopeId: string | null;
    }>(
      `SELECT "id", "roleDefinitionId", "principalId", "principalType", "directoryScopeId" FROM "DirRoleAssignment" WHERE "tenantId" = ${p(1)}`,
      tenantId,
    );
    // PIM (#19): eligibilities are reviewed like assignments (an eligible Global Administrator is one activation away
    // from the role); an active assignment's schedule gives its end date, and an activation (assignmentType
    // Activated) is not reviewed on its own: it ends by itself, and the eligibility it comes from is the item.
    const schedules = await rows<{
      id: string;
      kind: string;
      roleDefinitionId: string;
      principalId: string;
      principalType: string;
      directoryScopeId: string | null;
      assignmentType: string | null;
      endAt: Date | string | null;
    }>(
      `SELECT "id", "kind", "roleDefinitionId", "principalId", "principalType", "directoryScopeId", "assignmentType", "endAt" FROM "DirRoleSchedule" WHERE "tenantId" = ${p(1)}${pimRead ? "" : " AND 1 = 0"} ORDER BY "id"`,
      tenantId,
    );
    const day = (v: Date | string | null) => (v ? new Date(v).toISOString().slice(0, 10) : null);
    const activeKey = (principalId: string, roleId: string, scope: string | null) =>
      `${principalId}|${roleId}|${scope ?? "/"}`;
    const active = new Map<string, { assignmentType: string | null; endAt: Date | string | null }>();
    for (const s of schedules)
      if (s.kind === "active") active.set(activeKey(s.principalId, s.roleDefinitionId, s.directoryScopeId), s);
    const byDef = new Map<string, Resource>();
    const resourceOf = (id: string) => {
      const known = byDef.get(id);
      if (known) return known;
      const r: Resource = { type: "directoryRole", id, name: null, owners: [], holders: [] };
      byDef.set(id, r);
      return r;
    };
    for (const d of defs)
      byDef.set(d.id, { type: "directoryRole", id: d.id, name: d.displayName, owners: [], holders: [] });
    // Chosen roles (none = every role) and which states: active assignments, eligibilities or both.
    const roles = new Set(c.scope.roleIds ?? []);
    const states = new Set(c.scope.roleStates ?? ["active", "eligible"]);
    const chosenRole = (id: string) => roles.size === 0 || roles.has(id);
    // Users, groups and apps (#19: a service principal holding a role is reviewed by its owners).
    const reviewable = (t: string): t is "user" | "group" | "servicePrincipal" =>
      t === "user" || t === "group" || t === "servicePrincipal";
    for (const a of assignments) {
      if (!reviewable(a.principalType)) continue;
      if (!states.has("active") || !chosenRole(a.roleDefinitionId)) continue;
      const schedule = active.get(activeKey(a.principalId, a.roleDefinitionId, a.directoryScopeId));
      if (schedule?.assignmentType === "Activated") continue;
      const until = day(schedule?.endAt ?? null);
      resourceOf(a.roleDefinitionId).holders.push({
        principalId: a.principalId,
        principalType: a.principalType,
        accessId: a.id,
        accessDetail: formatRoleDetail({ state: "active", until, scope: a.directoryScopeId ?? "/" }),
      });
    }
    for (const e of schedules) {
      if (e.kind !== "eligible" || !reviewable(e.principalType)) continue;
      if (!states.has("eligible") || !chosenRole(e.roleDefinitionId)) continue;
      const until = day(e.endAt);
      resourceOf(e.roleDefinitionId).holders.push({
        principalId: e.principalId,
        principalType: e.principalType,
        accessId: e.id,
        accessDetail: formatRoleDetail({ state: "eligible", until, scope: e.directoryScopeId ?? "/" }),
        resourceType: "directoryRoleEligible",
      });
    }
    return { resources: [...byDef.values()].filter((r) => r.holders.length), dynamicGroups: 0 };
  }
  if (kind === "apps") {
    const sps = await rows<{ id: string; displayName: string | null; appRoles: string }>(
      `SELECT "id", "displayName", "appRoles" FROM "DirServicePrincipal" WHERE "tenantId" = ${p(1)}`,
      tenantId,
    );
    const assignments = await rows<{
      id: string;
      resourceId: string;
      appRoleId: string;
      principalId: string;
      principalType: string;
    }>(
      `SELECT "id", "resourceId", "appRoleId", "principalId", "principalType" FROM "DirAppRoleAssignment" WHERE "tenantId" = ${p(1)}`,
      tenantId,
    );
    const bySp = new Map<string, Resource & { roles: Map<string, string> }>();
    const apps = new Set(c.scope.appIds ?? []);
    for (const s of sps) {
      if (apps.size && !apps.has(s.id)) continue;
      const roles = new Map<string, string>();
      try {
        for (const r of JSON.parse(s.appRoles) as { id: string; displayName?: string; value?: string }[])
          roles.set(r.id, r.displayName ?? r.value ?? r.id);
      } catch {
        /* keep empty */
      }
      bySp.set(s.id, { type: "app", id: s.id, name: s.displayName, owners: [], holders: [], roles });
    }
    // An app's own assignments too (#19): application permissions (app roles of Microsoft Graph and other APIs) held
    // by a service principal, among the riskiest access in a tenant, reviewed by the app's owners.
    const type = { User: "user", Group: "group", ServicePrincipal: "servicePrincipal" } as const;
    for (const a of assignments) {
      const principalType = type[a.principalType as keyof typeof type];
      if (!principalType) continue;
      const r = bySp.get(a.resourceId);
      if (!r) continue;
      const detail =
        a.appRoleId === "00000000-0000-0000-0000-000000000000"
          ? "Default access"
          : (r.roles.get(a.appRoleId) ?? a.appRoleId);
      r.holders.push({ principalId: a.principalId, principalType, accessId: a.id, accessDetail: detail });
    }
    return {
      resources: [...bySp.values()].filter((r) => r.holders.length).map(({ roles: _roles, ...r }) => r),
      dynamicGroups: 0,
    };
  }
  const groups = await rows<{
    id: string;
    displayName: string | null;
    kind: string;
    isAssignableToRole: boolean | number;
    isDynamic: boolean | number;
  }>(
    `SELECT "id", "displayName", "kind", "isAssignableToRole", "isDynamic" FROM "DirGroup" WHERE "tenantId" = ${p(1)}`,
    tenantId,
  );
  const chosen = new Set(c.scope.groupIds);
  const excludedGroups = new Set(c.scope.exclude?.groupIds ?? []);
  let dynamicGroups = 0;
  const inScope = groups.filter((g) => {
    if (excludedGroups.has(g.id)) return false;
    const ok =
      kind === "groups"
        ? chosen.has(g.id)
        : kind === "allGroups"
          ? g.kind !== "distribution"
          : kind === "allSecurityGroups"
            ? g.kind === "security" || g.kind === "mailSecurity"
            : kind === "allM365Groups"
              ? g.kind === "m365"
              : Boolean(g.isAssignableToRole);
    // Dynamic groups' members follow a rule: removing one is done by changing the rule, not by a review.
    if (ok && g.isDynamic) dynamicGroups++;
    return ok && !g.isDynamic;
  });
  const byId = new Map<string, Resource>(
    inScope.map((g) => [g.id, { type: "group", id: g.id, name: g.displayName, owners: [], holders: [] }]),
  );
  // Groups in groups first (a few thousand rows): a nested group is an item of the group it is in, and with nested
  // expansion (#19) its members' lists are kept too, in scope or not (a dynamic or out-of-scope group nested in a
  // reviewed one still grants that group's access).
  const nested = c.scope.nested === true;
  const childrenOf = new Map<string, string[]>();
  await rows.each(
    // Ordered, so that of two equally short paths the same one is stored every time (the New badge, an item's earlier
    // decision and the items hash compare paths).
    `SELECT "groupId", "memberId" FROM "DirGroupMember" WHERE "tenantId" = ${p(1)} AND "memberType" = 'group' ORDER BY "groupId", "memberId"`,
    [tenantId],
    (m) => {
      pushMulti(childrenOf, m[0] as string, m[1] as string);
      byId.get(m[0] as string)?.holders.push({
        principalId: m[1] as string,
        principalType: "group",
        accessId: m[1] as string,
        accessDetail: "member",
      });
    },
  );
  /** Synced user members (indexes into People.all) of nested groups that are not themselves in scope. */
  const childUsers = new Map<string, number[]>();
  if (nested) for (const list of childrenOf.values()) for (const g of list) if (!byId.has(g)) childUsers.set(g, []);
  // A million memberships, streamed as arrays: a synced user's is one number (Resource.members); an unknown
  // principal's is a holder object. On PostgreSQL the server numbers the users as loadPeople orders them (by id) and
  // joins them in, on its own core: looking a million fresh id strings up in a Map here took 1.1 s of the start, the
  // join and its stream 0.5 s more than the bare stream. Rows come grouped by group as stored, so the group is looked
  // up only when it changes.
  let group: string | undefined;
  let r: Resource | undefined;
  let child: number[] | undefined;
  const member = (memberId: string, ix: number) => {
    if (child) {
      if (ix >= 0) child.push(ix);
      return;
    }
    if (!r) return;
    if (ix >= 0) {
      if (r.members) r.members.push(ix);
      else r.members = [ix];
    } else r.holders.push({ principalId: memberId, principalType: "user", accessId: memberId, accessDetail: "member" });
  };
  const switchTo = (g: string) => {
    group = g;
    r = byId.get(g);
    child = r ? undefined : childUsers.get(g);
  };
  if (engine === "postgresql") {
    // The ids by index in one array of strings: the check below reads one per membership.
    const ids = all.map((u) => u.id);
    await rows.each(
      `WITH u AS (SELECT "id", row_number() OVER (ORDER BY "id") - 1 AS ix FROM "DirUser" WHERE "tenantId" = $1)
       SELECT m."groupId", m."memberId", u.ix FROM "DirGroupMember" m LEFT JOIN u ON u."id" = m."memberId"
       WHERE m."tenantId" = $1 AND m."memberType" = 'user'`,
      [tenantId],
      (m) => {
        if (m[0] !== group) switchTo(m[0] as string);
        if (!r && !child) return;
        const ix = m[2] === null ? -1 : Number(m[2]);
        if (ix >= 0 && ids[ix] !== m[1])
          throw new Error(`freeze: user ${String(m[1])} is not at ${ix} in the people list`);
        member(m[1] as string, ix);
      },
    );
  } else {
    // SQLite: one row per group with its user members' ids joined by commas (object ids are GUIDs), read in the
    // primary key's order (groupId, memberId; `+"tenantId"` keeps the planner off the tenant index, which needs a
    // sort for the GROUP BY). 3.2 million rows crossing into JavaScript, each an array of fresh strings, cost more
    // than the lookups: on the 110,000-user bench database (1.19M memberships) 1.85 s as rows, 0.72 s as lists.
    await rows.each(
      `SELECT "groupId", group_concat("memberId", ',') FROM "DirGroupMember" WHERE +"tenantId" = ? AND "memberType" = 'user' GROUP BY "groupId"`,
      [tenantId],
      (m) => {
        switchTo(m[0] as string);
        if (!r && !child) return;
        for (const id of (m[1] as string).split(",")) member(id, ixOf.get(id) ?? -1);
      },
    );
  }
  let expansion: Expansion | undefined;
  if (nested) {
    const names = new Map(groups.map((g) => [g.id, g.displayName]));
    expansion = expandNested(
      [...byId.values()],
      childrenOf,
      (g) => byId.get(g)?.members ?? childUsers.get(g),
      names,
      all,
      excludedGroups,
    );
  }
  const owners = await rows<{ groupId: string; ownerId: string; ownerType: string }>(
    `SELECT "groupId", "ownerId", "ownerType" FROM "DirGroupOwner" WHERE "tenantId" = ${p(1)}`,
    tenantId,
  );
  for (const o of owners) if (o.ownerType === "user") byId.get(o.groupId)?.owners.push(o.ownerId);
  if (pimGroupsRead) await addGroupSchedules(rows, p(1), tenantId, byId);
  return {
    resources: [...byId.values()].filter((r) => r.holders.length || r.members?.length),
    dynamicGroups,
    ...(expansion ? { nested: expansion } : {}),
  };
}

/**
 * PIM for Groups (#19): an eligible member of a group in scope is reviewed like a member (one activation away from the
 * group's access; item type groupEligible, its access id the schedule's). A time-bound active membership's end date
 * goes into the member's item. An eligible owner is reviewed too (groupOwnerEligible): one activation away from
 * managing the group's members and owners, so the standing privilege to get there is re-approved like a membership.
 * Active ownership is not an item: owners are who review a group (an activated ownership ends by itself, and its
 * eligibility is the item, as for members).
 */
async function addGroupSchedules(rows: Reader, p1: string, tenantId: string, byId: Map<string, Resource>) {
  const schedules = await rows<{
    id: string;
    kind: string;
    groupId: string;
    principalId: string;
    principalType: string;
    accessId: string;
    memberType: string | null;
    assignmentType: string | null;
    endAt: Date | string | null;
  }>(
    `SELECT "id", "kind", "groupId", "principalId", "principalType", "accessId", "memberType", "assignmentType", "endAt" FROM "DirGroupSchedule"
     WHERE "tenantId" = ${p1} AND ("kind" = 'eligible' OR ("accessId" = 'member' AND "endAt" IS NOT NULL)) ORDER BY "id"`,
    tenantId,
  );
  for (const s of schedules) {
    const r = byId.get(s.groupId);
    if (!r || (s.principalType !== "user" && s.principalType !== "group")) continue;
    // Graph's enum values come in either case (the reference lists direct/activated, its examples show Direct,
    // Assigned). A schedule derived from a group's (memberType group) is that group's item, not its members'.
    if (s.memberType?.toLowerCase() === "group") continue;
    if (s.kind === "active" && s.assignmentType?.toLowerCase() === "activated") {
      r.activated ??= new Set();
      r.activated.add(s.principalId);
      continue;
    }
    const until = s.endAt ? new Date(s.endAt).toISOString().slice(0, 10) : null;
    if (s.kind === "active") {
      if (!until) continue;
      r.activeUntil ??= new Map();
      r.activeUntil.set(s.principalId, `member until ${until}`);
      continue;
    }
    if (s.accessId !== "member" && s.accessId !== "owner") continue;
    r.holders.push({
      principalId: s.principalId,
      principalType: s.principalType,
      accessId: s.id,
      accessDetail: until ? `eligible until ${until}` : "eligible",
      resourceType: s.accessId === "owner" ? "groupOwnerEligible" : "groupEligible",
    });
  }
}

/** What nested expansion added, for the campaign's manifest (its population proof). */
export interface Expansion {
  /** Items of people who hold a group's access only through groups nested in it (after population and exclusions). */
  items: number;
  /** Reviewed groups that have a group nested in them. */
  groupsWithNesting: number;
  /** The deepest path followed (1 = a group directly in the reviewed one). */
  maxDepth: number;
  /** Links that lead back into a group already on the path (a cycle), not followed again. */
  cycleLinks: number;
}

/**
 * Nested membership (#19): for each reviewed group, the synced users who are members of a group nested in it, at any
 * depth, and not direct members of the reviewed group themselves, each once, with the shortest path (breadth first).
 * They become the group's holders with resourceType "groupNested", accessId the path's group ids from the reviewed
 * group down ("A>B", ./nested-path.ts: the links a removal could take) and accessDetail "via A → B" (their names). Cycles
 * (AD lets groups contain each other, and hybrid tenants sync them) end at a group already visited, and are counted.
 * Computed from the synced direct memberships: Graph's `GET /groups/{id}/members` lists direct members only
 * (learn.microsoft.com/graph/api/group-list-members), `…/transitiveMembers` flattens the nesting but gives no path and
 * would cost a request per group (group-list-transitivemembers), and `DELETE /groups/{id}/members/{id}/$ref` removes a
 * direct member only (group-delete-members): hence the path, and the reviewer's choice of which link goes.
 */
function expandNested(
  resources: Resource[],
  childrenOf: Map<string, string[]>,
  usersOf: (groupId: string) => number[] | undefined,
  names: Map<string, string | null>,
  all: UserRow[],
  excluded: Set<string>,
): Expansion {
  const out: Expansion = { items: 0, groupsWithNesting: 0, maxDepth: 0, cycleLinks: 0 };
  // One stamp per person: seen for the resource in hand (no per-resource set of a million entries).
  const stamp = new Int32Array(all.length);
  let seq = 0;
  for (const r of resources) {
    const first = childrenOf.get(r.id);
    if (!first?.length) continue;
    out.groupsWithNesting++;
    seq++;
    for (const ix of r.members ?? []) stamp[ix] = seq;
    const parent = new Map<string, string>([[r.id, ""]]);
    const depth = new Map<string, number>([[r.id, 0]]);
    const queue: string[] = [];
    // A person's nested holder, to count the other paths that reach them.
    const holderOf = new Map<number, Holder & { otherPaths?: number }>();
    // An excluded group (a break-glass group) is not followed: what is nested in it is left out with it.
    for (const g of first)
      if (!parent.has(g) && !excluded.has(g)) {
        parent.set(g, r.id);
        depth.set(g, 1);
        queue.push(g);
      }
    for (let q = 0; q < queue.length; q++) {
      const g = queue[q]!;
      const d = depth.get(g)!;
      out.maxDepth = Math.max(out.maxDepth, d);
      let path: string | undefined;
      let chainIds = "";
      for (const ix of usersOf(g) ?? []) {
        if (stamp[ix] === seq) {
          // Reached again through another group: removing one link of the stored path would not end the access.
          const h = holderOf.get(ix);
          if (h) h.otherPaths = (h.otherPaths ?? 0) + 1;
          continue;
        }
        stamp[ix] = seq;
        if (path === undefined) {
          const chain: string[] = [];
          for (let x = g; x !== r.id; x = parent.get(x)!) chain.push(x);
          chain.reverse();
          path = `via ${chain.map((x) => names.get(x) ?? x).join(" → ")}`;
          chainIds = formatNestedPath(chain);
        }
        const h: Holder & { otherPaths?: number } = {
          principalId: all[ix]!.id,
          principalType: "user",
          accessId: chainIds,
          accessDetail: path,
          resourceType: "groupNested",
        };
        holderOf.set(ix, h);
        r.holders.push(h);
        out.items++;
      }
      for (const next of childrenOf.get(g) ?? []) {
        if (excluded.has(next)) continue;
        if (parent.has(next)) {
          // Back to a group on this path (a cycle), or to one reached another way already (not a cycle).
          for (let x: string | undefined = g; x; x = parent.get(x) || undefined)
            if (x === next) {
              out.cycleLinks++;
              break;
            }
          continue;
        }
        parent.set(next, g);
        depth.set(next, d + 1);
        queue.push(next);
      }
    }
    for (const h of holderOf.values())
      if (h.otherPaths) h.accessDetail = `${h.accessDetail}${otherPathsNote(h.otherPaths)}`;
  }
  return out;
}

/** Counts of holders of one resource per manager and per department, for the peer-outlier rule. */

/**
 * Item ids in the shape of a UUIDv7: the start time, then random bits, then the ordinal. Ordered ids
 * append to the primary-key index instead of splitting pages all over it (a million random UUIDs cost
 * several times more to insert), and stay unique across campaigns through the time and random parts.
 */
export function itemIdFactory(now: Date): ((ordinal: number) => string) & { head: string } {
  const ts = now.getTime().toString(16).padStart(12, "0").slice(-12);
  const r = randomBytes(4).toString("hex");
  const head = `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${r.slice(0, 3)}-${(8 + (parseInt(r[3]!, 16) & 3)).toString(16)}${r.slice(4, 7)}-`;
  // The SQLite items' writer makes the same ids from `head` (lib/reviews/sqlite-items-writer.ts).
  return Object.assign((ordinal: number) => head + ordinal.toString(16).padStart(12, "0"), { head });
}

const sqliteValue = (v: unknown): unknown =>
  v instanceof Date ? v.toISOString().replace("Z", "+00:00") : v === undefined ? null : v;

/**
 * Writes one batch of items, their own reviewer rows and resource reviewer rows: prepared statements on SQLite's own
 * handle, COPY on PostgreSQL's transaction connection, else JSON batches. Items come flat (ITEM_COLUMNS.length values
 * per item, no array per item), or for COPY as its text already (`ItemText`); reviewer rows as arrays. `last` marks the
 * final batch: everything is stored when it returns.
 */
type Writer = ((
  items: unknown[] | ItemText,
  itemReviewers: unknown[][],
  resourceReviewers: unknown[][],
  last: boolean,
) => Promise<void>) & {
  /** Called when the freeze fails between writes: leaves the connection able to roll back. */
  abort?: () => void;
};
/** Items as rows of COPY's text format (PostgreSQL), and how many. */
interface ItemText {
  text: Buffer;
  rows: number;
}
const ITEM_WIDTH = ITEM_COLUMNS.length;
const ROWS_PER_INSERT = 200;

/** The tables a freeze writes, for SqliteItemsWriter: items (ITEM_COLUMNS' order), reviewer overrides, resource ranges. */
export const FREEZE_TABLES: ItemsTable[] = [
  { name: "CampaignItem", columns: ITEM_COLUMNS.map((c) => c.name) },
  { name: "CampaignItemReviewerOverride", columns: REVIEWER_COLUMNS.map((c) => c.name) },
  { name: "CampaignResourceReviewer", columns: RESOURCE_REVIEWER_COLUMNS.map((c) => c.name) },
];

function rowWriter(
  db: SqlRunner,
  engine: Engine,
  sqlite: BetterSqlite3.Database | undefined,
  conn: pg.ClientBase | undefined,
  worker: { writer: SqliteItemsWriter; packer: ItemsPacker; campaignId: string; idHead: string } | undefined,
): Writer {
  if (worker && engine === "sqlite") {
    // Plain memberships are in the packer already; the other items come in `items`, in ordinal order.
    const { packer, campaignId, idHead } = worker;
    return async (items, itemReviewers, resourceReviewers) => {
      if (!Array.isArray(items)) throw new Error("freeze: COPY text is PostgreSQL's only");
      packer.general(items);
      packer.reviewerRows(itemReviewers, resourceReviewers);
      await worker.writer.write(packer.take(campaignId, idHead));
    };
  }
  if (conn && engine === "postgresql") {
    // One COPY of items stays open across batches, so PostgreSQL stores a batch while the next is computed (its own
    // process, the other core): 8.1 s of a million-item start went to COPY statements awaited batch by batch. Reviewer
    // rows wait in memory (a connection runs one COPY at a time) and go in after the items, or earlier when many.
    let copy: CopyStream | undefined;
    let overrides: unknown[][] = [];
    let ranges: unknown[][] = [];
    const write: Writer = async (items, itemReviewers, resourceReviewers, last) => {
      if (Array.isArray(items)) throw new Error("freeze: items go to COPY as its text");
      if (items.rows) {
        copy ??= CopyStream.open(conn, "CampaignItem", ITEM_COLUMNS);
        await copy.writeText(items.text, items.rows);
      }
      for (const r of itemReviewers) overrides.push(r);
      for (const r of resourceReviewers) ranges.push(r);
      if (last || overrides.length + ranges.length >= 200_000) {
        await copy?.end();
        copy = undefined;
        await copyInRows(conn, "CampaignItemReviewerOverride", REVIEWER_COLUMNS, overrides);
        await copyInRows(conn, "CampaignResourceReviewer", RESOURCE_REVIEWER_COLUMNS, ranges);
        overrides = [];
        ranges = [];
      }
    };
    write.abort = () => copy?.abort("the campaign start failed while its items were being written");
    return write;
  }
  if (!sqlite || engine !== "sqlite") {
    return async (items, itemReviewers, resourceReviewers) => {
      if (!Array.isArray(items)) throw new Error("freeze: COPY text is PostgreSQL's only");
      const rows: unknown[][] = [];
      for (let i = 0; i < items.length; i += ITEM_WIDTH) rows.push(items.slice(i, i + ITEM_WIDTH));
      await bulkInsert(db, "CampaignItem", ITEM_COLUMNS, rows);
      await bulkInsert(db, "CampaignItemReviewerOverride", REVIEWER_COLUMNS, itemReviewers);
      await bulkInsert(db, "CampaignResourceReviewer", RESOURCE_REVIEWER_COLUMNS, resourceReviewers);
    };
  }
  // Many rows per statement: one call into SQLite per 200 rows instead of per row (about a fifth less time for a
  // million items at 50 rows; 200 took another 1.4 s off a 1.14M-item start, alternating runs on one database, 26.0-26.2
  // against 27.2-27.8 s; 3,200 bound values, well under SQLite's 32,766); the rest of a batch goes in one row at a time.
  const insert = (table: string, cols: BulkColumn[], rows: number) => {
    const one = `(${cols.map(() => "?").join(", ")})`;
    return sqlite.prepare(
      `INSERT INTO "${table}" (${cols.map((c) => `"${c.name}"`).join(", ")}) VALUES ${Array.from({ length: rows }, () => one).join(", ")}`,
    );
  };
  const writer = (table: string, cols: BulkColumn[]) => {
    const many = insert(table, cols, ROWS_PER_INSERT);
    const one = insert(table, cols, 1);
    const flat: unknown[] = [];
    return (rows: unknown[][]) => {
      let i = 0;
      for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
        flat.length = 0;
        for (let j = i; j < i + ROWS_PER_INSERT; j++) for (const v of rows[j]!) flat.push(v);
        many.run(flat);
      }
      for (; i < rows.length; i++) one.run(rows[i]!);
    };
  };
  const manyItems = insert("CampaignItem", ITEM_COLUMNS, ROWS_PER_INSERT);
  const oneItem = insert("CampaignItem", ITEM_COLUMNS, 1);
  const item = (flat: unknown[]) => {
    const step = ROWS_PER_INSERT * ITEM_WIDTH;
    let i = 0;
    for (; i + step <= flat.length; i += step) manyItems.run(flat.slice(i, i + step));
    for (; i < flat.length; i += ITEM_WIDTH) oneItem.run(flat.slice(i, i + ITEM_WIDTH));
  };
  const itemReviewer = writer("CampaignItemReviewerOverride", REVIEWER_COLUMNS);
  const resourceReviewer = writer("CampaignResourceReviewer", RESOURCE_REVIEWER_COLUMNS);
  if (!sqlite.inTransaction) throw new Error("freezeItems: the SQLite handle must be inside the start transaction");
  return async (items, itemReviewers, resourceReviewers) => {
    if (!Array.isArray(items)) throw new Error("freeze: COPY text is PostgreSQL's only");
    item(items);
    itemReviewer(itemReviewers);
    resourceReviewer(resourceReviewers);
  };
}

/**
 * The parts of a plain membership's item that repeat across a million items, encoded once each: per person (their id,
 * kind, name and last sign-in), per resource and per recommendation, as JSON for the items hash's canonical line and as
 * COPY's escaped text for PostgreSQL. Quoting and escaping 16 values per item, and pushing them, took 4–5 s of a
 * 1.14M-item start on PostgreSQL (#20). The line is ItemsHasher.addValues' and the row copyRow's for the same item
 * (freeze.test.ts compares them; reports.test.ts recomputes the hash from the stored items).
 */
export class ItemFragments {
  private readonly people: (
    | { idJson: string; json: string; idCopy: string; copy: string; seenCopy: string }
    | undefined
  )[];
  private readonly advices = new Map<Advice, { json: string; copy: string }>();
  private readonly campaign: string;
  /**
   * `copy`: whether COPY's text is wanted (PostgreSQL) or the hash's JSON only; `nameOf`: the name of a principal that
   * is not a user (the general path's fallback for a user without a display name).
   */
  constructor(
    private readonly all: UserRow[],
    campaignId: string,
    private readonly copy: boolean,
    private readonly nameOf: (id: string) => string | null | undefined,
  ) {
    this.people = new Array(all.length);
    this.campaign = esc(campaignId);
  }
  /** A synced user's kind as a principal of an item. */
  static kind(u: Pick<UserRow, "userType">): "guest" | "member" {
    return u.userType === "Guest" ? "guest" : "member";
  }
  private person(ix: number) {
    const known = this.people[ix];
    if (known) return known;
    const u = this.all[ix]!;
    const kind = ItemFragments.kind(u);
    const idJson = JSON.stringify(u.id);
    const idCopy = this.copy ? esc(u.id) : "";
    const made = {
      idJson,
      json: `,"principalId":${idJson},"principalKind":${JSON.stringify(kind)},"principalType":"user"`,
      idCopy,
      copy: this.copy
        ? `${idCopy}\tuser\t${esc(u.displayName ?? this.nameOf(u.id))}\t${esc(u.userPrincipalName)}\t${kind}`
        : "",
      seenCopy: this.copy ? copyField(u.lastSignInStored, "datetime") : "",
    };
    this.people[ix] = made;
    return made;
  }
  private advice(a: Advice) {
    const known = this.advices.get(a);
    if (known) return known;
    const made = {
      json: `,"recommendation":${JSON.stringify(a.recommendation)},"recommendationReason":${JSON.stringify(a.reason)}`,
      copy: `${esc(a.recommendation)}\t${esc(a.reason)}`,
    };
    this.advices.set(a, made);
    return made;
  }
  /** A resource's fragments: made once per resource, passed to each of its items. */
  resource(r: Pick<Resource, "id" | "type" | "name">): { json: string; copy: string } {
    return {
      json: `,"resourceId":${JSON.stringify(r.id)},"resourceType":${JSON.stringify(r.type)}}\n`,
      copy: `${r.type}\t${esc(r.id)}\t${esc(r.name)}`,
    };
  }
  /** The items hash's line of person `ix`'s membership (accessId = principalId, accessDetail `detail`). */
  hashLine(ix: number, ordinal: number, detail: string, advice: Advice, resource: { json: string }): string {
    const who = this.person(ix);
    const d = detail === "member" ? '"member"' : JSON.stringify(detail);
    return `{"accessDetail":${d},"accessId":${who.idJson},"ordinal":${ordinal}${who.json}${this.advice(advice).json}${resource.json}`;
  }
  /** The same item's row in COPY's text format (ITEM_COLUMNS), with its newline. */
  copyRow(id: string, ix: number, ordinal: number, detail: string, advice: Advice, resource: { copy: string }): string {
    const who = this.person(ix);
    const d = detail === "member" ? "member" : esc(detail);
    return `${id}\t${this.campaign}\t${ordinal}\t${who.copy}\t${resource.copy}\t${who.idCopy}\t${d}\t${who.seenCopy}\t${this.advice(advice).copy}\n`;
  }
}
const esc = (v: string | null | undefined) => copyField(v, "string");

/** Stages whose reviewers are the same for every holder of a resource (up to nobody reviewing their own access). */
const PER_RESOURCE = new Set(["owners", "chosen"]);

type Advice = { recommendation: string; reason: string };

/**
 * The tenant's users, and per manager and department their size and how many hold the current resource. What the items
 * loop reads per membership to count peers and to choose the population (twice a membership, for every one before
 * any is chosen) is in typed arrays indexed by the person's place in `all`, not on the person's object: reading `u.mi`
 * from 110,000 objects in random order cost 2.7 s of a 1.14M-item start (#20).
 */
interface People {
  all: UserRow[];
  /** Each person's index in `all` by id (a number, not the person's object, per membership read). */
  ixOf: Map<string, number>;
  /** Per person: the dense index of their manager and of their department (-1 for none). */
  managerOf: Int32Array;
  deptOf: Int32Array;
  /** Per person: their place in name order among every principal (rankPrincipals). */
  rankOf: Int32Array;
  /** The people's own advice, one object per distinct text (reasons name a number of days: hundreds, not 110,000). */
  advice: Map<string, Advice>;
  teamSize: Int32Array;
  deptSize: Int32Array;
  holdersByManager: Int32Array;
  holdersByDept: Int32Array;
}

/** Every user of the tenant, each with an index of their manager and department for peer counting. */
async function loadPeople(rows: Reader, tenantId: string, p1: string): Promise<People> {
  const managerIndex = new Map<string, number>();
  const deptIndex = new Map<string, number>();
  const date = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));
  const all: UserRow[] = (
    await rows<
      Omit<UserRow, "accountEnabled" | "createdAt" | "lastSignInAt"> & {
        accountEnabled: unknown;
        createdAt: unknown;
        lastSignInAt: unknown;
      }
    >(
      `SELECT "id", "displayName", "userPrincipalName", "userType", "accountEnabled", "externalUserState", "createdAt", "lastSignInAt", "managerId", "department" FROM "DirUser" WHERE "tenantId" = ${p1}${p1 === "?" ? "" : ` ORDER BY "id"`}`,
      tenantId,
    )
  ).map((u) => ({
    ...u,
    accountEnabled: u.accountEnabled === true || u.accountEnabled === 1 || u.accountEnabled === 1n,
    createdAt: date(u.createdAt),
    lastSignInAt: date(u.lastSignInAt),
  }));
  const managerOf = new Int32Array(all.length);
  const deptOf = new Int32Array(all.length);
  const ixOf = new Map<string, number>();
  for (const [i, u] of all.entries()) {
    u.ix = i;
    ixOf.set(u.id, i);
    managerOf[i] = u.managerId
      ? (managerIndex.get(u.managerId) ?? managerIndex.set(u.managerId, managerIndex.size).get(u.managerId)!)
      : -1;
    deptOf[i] = u.department
      ? (deptIndex.get(u.department) ?? deptIndex.set(u.department, deptIndex.size).get(u.department)!)
      : -1;
  }
  // Team and department sizes, and per resource how many of each hold it: typed arrays indexed by managerOf / deptOf.
  const teamSize = new Int32Array(managerIndex.size);
  const deptSize = new Int32Array(deptIndex.size);
  for (let i = 0; i < all.length; i++) {
    if (managerOf[i]! >= 0) teamSize[managerOf[i]!]!++;
    if (deptOf[i]! >= 0) deptSize[deptOf[i]!]!++;
  }
  return {
    all,
    ixOf,
    managerOf,
    deptOf,
    rankOf: new Int32Array(all.length),
    advice: new Map(),
    teamSize,
    deptSize,
    holdersByManager: new Int32Array(managerIndex.size),
    holdersByDept: new Int32Array(deptIndex.size),
  };
}

/** Group names (for nested-group items) and, when a stage asks sponsors, each guest's sponsors. */
async function loadNamesAndSponsors(
  rows: Reader,
  tenantId: string,
  p1: string,
  c: CampaignConfig,
): Promise<{
  groupNames: Map<string, string | null>;
  sponsors: Map<string, string[]>;
  appOwners: Map<string, string[]>;
}> {
  const groupNames = new Map(
    (
      await rows<{ id: string; displayName: string | null }>(
        `SELECT "id", "displayName" FROM "DirGroup" WHERE "tenantId" = ${p1}`,
        tenantId,
      )
    ).map((g) => [g.id, g.displayName]),
  );
  const sponsors = new Map<string, string[]>();
  if (c.stages.some((s) => s.reviewers === "sponsors")) {
    for (const s of await rows<{ userId: string; sponsorId: string; sponsorType: string }>(
      `SELECT "userId", "sponsorId", "sponsorType" FROM "DirSponsor" WHERE "tenantId" = ${p1}`,
      tenantId,
    )) {
      if (s.sponsorType === "user") pushMulti(sponsors, s.userId, s.sponsorId);
    }
  }
  // Role and app scopes (#19): apps as principals, with their names (among the other principals' names) and owners.
  const appOwners = new Map<string, string[]>();
  if (scopeParts(c.scope).some((p) => p.kind === "directoryRoles" || p.kind === "apps")) {
    for (const sp of await rows<{ id: string; displayName: string | null }>(
      `SELECT "id", "displayName" FROM "DirServicePrincipal" WHERE "tenantId" = ${p1}`,
      tenantId,
    ))
      groupNames.set(sp.id, sp.displayName);
    for (const o of await rows<{ servicePrincipalId: string; ownerId: string; ownerType: string }>(
      `SELECT "servicePrincipalId", "ownerId", "ownerType" FROM "DirServicePrincipalOwner" WHERE "tenantId" = ${p1} ORDER BY "servicePrincipalId", "ownerId"`,
      tenantId,
    ))
      if (o.ownerType === "user") pushMulti(appOwners, o.servicePrincipalId, o.ownerId);
    // And the owners of the app's registration in this tenant, joined through the appId (#19): one who owns both is
    // one reviewer (resolveReviewers keeps each person once).
    for (const o of await rows<{ servicePrincipalId: string; ownerId: string; ownerType: string }>(
      `SELECT sp."id" AS "servicePrincipalId", o."ownerId", o."ownerType" FROM "DirApplicationOwner" o
       JOIN "DirServicePrincipal" sp ON sp."tenantId" = o."tenantId" AND sp."appId" = o."appId"
       WHERE o."tenantId" = ${p1} ORDER BY sp."id", o."ownerId"`,
      tenantId,
    ))
      if (o.ownerType === "user") pushMulti(appOwners, o.servicePrincipalId, o.ownerId);
  }
  return { groupNames, sponsors, appOwners };
}

/**
 * Every principal's place in name order (users by display name, groups by name, then id), from one global sort: for
 * users in people.rankOf, and for groups in the map returned.
 */
function rankPrincipals(
  { all, ixOf, rankOf }: People,
  groupNames: Map<string, string | null>,
): { others: Map<string, number>; byRank: (UserRow | null)[] } {
  const byPrincipalName: { id: string; name: string; u?: UserRow }[] = [
    ...all.map((u) => ({ id: u.id, name: u.displayName ?? "", u })),
    ...[...groupNames].filter(([id]) => !ixOf.has(id)).map(([id, name]) => ({ id, name: name ?? "" })),
  ];
  byPrincipalName.sort((a, b) => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const others = new Map<string, number>();
  const byRank = new Array<UserRow | null>(byPrincipalName.length).fill(null);
  byPrincipalName.forEach((p, i) => {
    if (p.u) {
      rankOf[p.u.ix!] = i;
      byRank[i] = p.u;
    } else others.set(p.id, i);
  });
  return { others, byRank };
}

/** A resource's holders that are not plain members (roles, apps, nested groups), with their rank and user. */
function explicitHolders(r: Resource, people: People, others: Map<string, number>): Holder[] {
  return r.holders.map((h) => {
    const ix = h.principalType === "user" ? people.ixOf.get(h.principalId) : undefined;
    const u = ix === undefined ? null : people.all[ix]!;
    return { ...h, u, rank: u ? people.rankOf[u.ix!]! : (others.get(h.principalId) ?? -1) }; // unknown ones first, by id
  });
}

function internAdvice(known: Map<string, Advice>, a: Advice): Advice {
  const key = `${a.recommendation}\n${a.reason}`;
  return known.get(key) ?? known.set(key, a).get(key)!;
}

const NESTED_GROUP_EXPANDED: Advice = {
  recommendation: "no_data",
  reason: "Nested group: its members are reviewed in this campaign too, each as access via this group.",
};

/**
 * A holder's recommendation: the person's own (computed once per person), made "revoke" for an active person
 * who is a peer outlier on this resource (fewer than the threshold of their team, else department, hold it).
 */
function recommendationFor(
  h: Holder,
  r: Resource,
  u: UserRow | undefined,
  people: People,
  outliers: Map<number, Advice>,
  input: FreezeInput,
  options: RecommendationOptions,
): Advice {
  const { teamSize, deptSize, holdersByManager, holdersByDept } = people;
  const now = input.now;
  let rec: Advice;
  if (h.principalType === "group")
    rec =
      r.type !== "group" || h.resourceType === "groupEligible" || h.resourceType === "groupOwnerEligible"
        ? // A group holding a role, an app role or a group's eligibility (#19): no expansion here.
          { recommendation: "no_data", reason: "A group: each of its members holds this access through it." }
        : input.config.scope.nested
          ? NESTED_GROUP_EXPANDED
          : {
              recommendation: "no_data",
              reason: "Nested group: its own members are reviewed where they are direct members.",
            };
  else if (h.principalType === "servicePrincipal")
    rec = { recommendation: "no_data", reason: "An app: its owners know whether it still needs this access." };
  else if (!u) rec = { recommendation: "no_data", reason: "The principal is not in the synced directory." };
  else {
    // Every rule but the peer one depends on the person alone: computed once per person, not per item.
    // One object per distinct advice, shared by everyone who gets it (ItemFragments encodes each once).
    u.rec ??= internAdvice(
      people.advice,
      recommend(
        {
          accountEnabled: u.accountEnabled,
          userType: u.userType === "Guest" ? "Guest" : "Member",
          externalUserState: u.externalUserState,
          createdAt: u.createdAt,
          lastSignInAt: u.lastSignInAt,
          signInDataAvailable: input.signInDataAvailable,
          peerShare: null,
        },
        options,
      ),
    );
    const own = u.rec;
    rec = own;
    // The peer rule compares who holds the access; ownership has no peers among the members (#19).
    if (own.recommendation === "approve" && h.resourceType !== "groupOwnerEligible") {
      let share: number | null = null;
      const mi = people.managerOf[u.ix!]!;
      const di = people.deptOf[u.ix!]!;
      const team = mi >= 0 ? teamSize[mi]! - 1 : 0;
      if (mi >= 0 && team >= 3) share = (holdersByManager[mi]! - 1) / team;
      else if (di >= 0 && deptSize[di]! - 1 >= 3) share = (holdersByDept[di]! - 1) / (deptSize[di]! - 1);
      if (share !== null && share < options.peerOutlierThreshold) {
        // An active person who is a peer outlier here: the reason depends only on the rounded share.
        const pct = Math.round(share * 100);
        rec =
          outliers.get(pct) ??
          outliers
            .set(
              pct,
              recommend(
                {
                  accountEnabled: true,
                  userType: "Member",
                  externalUserState: null,
                  createdAt: null,
                  lastSignInAt: now,
                  signInDataAvailable: true,
                  peerShare: share,
                },
                options,
              ),
            )
            .get(pct)!;
      }
    }
  }
  return rec;
}

export async function freezeItems(db: FreezeDb, engine: Engine, input: FreezeInput): Promise<FreezeResult> {
  const { config: c, tenantId, now } = input;
  const conn = engine === "postgresql" ? input.pg : undefined;
  const rows = reader(db, engine === "sqlite" ? input.sqlite : undefined, conn);
  const p1 = engine === "sqlite" ? "?" : "$1";
  const people = await loadPeople(rows, tenantId, p1);
  const { all, holdersByManager, holdersByDept } = people;
  const { groupNames, sponsors, appOwners } = await loadNamesAndSponsors(rows, tenantId, p1, c);
  // Each scope of the campaign (#19: at most one per family, so no resource comes twice), the main one first.
  const resources: Resource[] = [];
  let dynamicGroups = 0;
  let nested: Expansion | undefined;
  for (const part of scopeParts(c.scope)) {
    const loaded = await loadResources(
      rows,
      engine,
      tenantId,
      { ...c, scope: { ...c.scope, ...part } },
      people,
      input.pimRead ?? true,
      input.pimGroupsRead ?? true,
    );
    for (const r of loaded.resources) resources.push(r);
    dynamicGroups += loaded.dynamicGroups;
    nested ??= loaded.nested;
  }
  resources.sort(byName);

  // Exclusions (#19): the users and groups named, and the direct members of the excluded groups, are never items. A
  // synced user's exclusion is a flag by index (checked per membership without a string lookup).
  const excludedGroupIds = c.scope.exclude?.groupIds ?? [];
  const excluded = new Set([...excludedGroupIds, ...(c.scope.exclude?.userIds ?? [])]);
  const dialect = engine === "sqlite" ? SQLITE : POSTGRES;
  for (let i = 0; i < excludedGroupIds.length; i += 500) {
    const { values, p } = parameters(dialect);
    for (const m of await rows<{ memberId: string }>(
      `SELECT "memberId" FROM "DirGroupMember" WHERE "tenantId" = ${p(tenantId)} AND ${inIds(dialect, p, '"groupId"', excludedGroupIds.slice(i, i + 500))}`,
      ...values,
    ))
      excluded.add(m.memberId);
  }
  const excludedIx = new Uint8Array(all.length);
  if (excluded.size) for (let i = 0; i < all.length; i++) if (excluded.has(all[i]!.id)) excludedIx[i] = 1;
  let excludedItems = 0;

  const inactiveCut = now.getTime() - c.population.inactiveDays * 86_400_000;
  const includeUser = (u: UserRow): boolean =>
    c.population.who === "all" ||
    (c.population.who === "guests"
      ? u.userType === "Guest"
      : !u.lastSignInAt || u.lastSignInAt.getTime() < inactiveCut);
  const include = (h: Holder): boolean => {
    if (c.population.who === "all") return true;
    return Boolean(h.u) && h.principalType === "user" && includeUser(h.u!);
  };
  const { managerOf, deptOf, rankOf } = people;
  const included = new Uint8Array(all.length);
  for (let i = 0; i < all.length; i++) included[i] = includeUser(all[i]!) ? 1 : 0;
  const options = { ...DEFAULT_RECOMMENDATION_OPTIONS, inactiveDays: c.inactiveDays, now };
  const outliers = new Map<number, { recommendation: string; reason: string }>();
  const hasher = new ItemsHasher();
  const itemId = itemIdFactory(now);
  let ordinal = 0;
  let reviewerCount = 0;
  let fallbackItems = 0;
  let nestedItems = 0;
  let items: unknown[] = [];
  // PostgreSQL: the items as COPY's text, joined from fragments encoded once (below), sent about every megabyte.
  const text = new TextBuffer(1 << 20);
  let textRows = 0;
  let reviewers: unknown[][] = [];
  const firstStageLoad = new Map<string, number>();
  // SQLite's worker: plain memberships packed as integers (ItemsPacker), the rest as values.
  const packer = input.writer && engine === "sqlite" ? new ItemsPacker(all.length) : undefined;
  const flush = rowWriter(
    db,
    engine,
    input.sqlite,
    conn,
    packer && { writer: input.writer!, packer, campaignId: input.campaignId, idHead: itemId.head },
  );
  // Items per write: SQLite's prepared statements are calls in-process (PostgreSQL's COPY text goes by the megabyte);
  // the worker takes larger batches (fewer messages between the threads).
  const batchItems = input.writer ? 5_000 : 1_000;
  // Rows for SQLite's own handle carry SQLite's values already (dates as text): no second pass per row.
  const direct = engine === "sqlite" && Boolean(input.sqlite);
  // PostgreSQL's COPY takes the ISO text as it is: converted once per person here, not once per item.
  for (const u of all)
    u.lastSignInStored = direct
      ? sqliteValue(u.lastSignInAt)
      : conn && u.lastSignInAt
        ? u.lastSignInAt.toISOString()
        : u.lastSignInAt;

  const { others: otherRanks, byRank } = rankPrincipals(people, groupNames);
  const fragments = new ItemFragments(all, input.campaignId, Boolean(conn), (id) => groupNames.get(id));
  // The one holder object the members of every group share as they are written: nothing keeps it (values are copied).
  const member: Holder = {
    principalId: "",
    principalType: "user",
    accessId: "",
    accessDetail: "member",
    rank: 0,
    u: null,
  };

  // A failure between writes must not leave PostgreSQL's COPY open on the transaction's connection.
  try {
    let resourceReviewers: unknown[][] = [];
    for (const r of resources) {
      // Per-resource reviewers of each stage that allows them, stored once for the resource; a holder who is
      // among them gets their own list instead (nobody reviews their own access).
      const base = c.stages.map((s) => {
        if (!PER_RESOURCE.has(s.reviewers)) return null;
        const assigned = resolveReviewers(s, {
          principalId: "",
          principalType: "user",
          resourceOwners: r.owners,
          managerId: null,
          sponsorIds: [],
          creatorId: input.creatorId,
        });
        return { assigned, ids: new Set(assigned.map((a) => a.reviewerId)) };
      });
      let sharedFirstStage = 0;
      const firstOrdinal = ordinal + 1;
      // Peers holding this access, per manager and per department (reset after the resource).
      const explicit = explicitHolders(r, people, otherRanks);
      const resource = fragments.resource(r);
      const packedResource = packer?.resource(`${r.type}\n${r.id}`, r.type, r.id, r.name) ?? 0;
      const members = r.members ?? [];
      const count = (ix: number, by: number) => {
        const m = managerOf[ix]!;
        if (m >= 0) holdersByManager[m]! += by;
        const d = deptOf[ix]!;
        if (d >= 0) holdersByDept[d]! += by;
      };
      // Peers are those holding the resource's access: an eligible owner (#19) holds none of the members' by it.
      const peers = explicit.filter((h) => h.resourceType !== "groupOwnerEligible");
      for (const h of peers) if (h.u) count(h.u.ix!, 1);
      for (const i of members) count(i, 1);
      // By name, then id: integer ranks from the one global sort above, instead of collating per membership. Members
      // are their ranks in a typed array (a numeric sort, no comparator); the other holders are merged in by rank.
      const held = explicit.filter((h) => {
        if (!include(h)) return false;
        if (!excluded.has(h.principalId)) return true;
        excludedItems++;
        return false;
      });
      held.sort(
        (a, b) => a.rank! - b.rank! || (a.principalId < b.principalId ? -1 : a.principalId > b.principalId ? 1 : 0),
      );
      let n = 0;
      const ranks = new Int32Array(members.length);
      const activated = r.activated;
      for (const i of members) {
        if (!included[i] || activated?.has(all[i]!.id)) continue;
        if (excludedIx[i]) excludedItems++;
        else ranks[n++] = rankOf[i]!;
      }
      const memberRanks = ranks.subarray(0, n).sort();
      for (let a = 0, b = 0; a < memberRanks.length || b < held.length; ) {
        let h: Holder;
        if (b >= held.length || (a < memberRanks.length && memberRanks[a]! < held[b]!.rank!)) {
          const rank = memberRanks[a++]!;
          const mu = byRank[rank]!;
          member.principalId = mu.id;
          member.accessId = mu.id;
          member.accessDetail = r.activeUntil?.get(mu.id) ?? "member";
          member.rank = rank;
          member.u = mu;
          h = member;
        } else h = held[b++]!;
        const u = h.u ?? undefined;
        const rec = recommendationFor(h, r, u, people, outliers, input, options);
        ordinal++;
        // Packed memberships have their id made by the worker: made here only when a reviewer row needs it.
        const id = packer && h === member ? "" : itemId(ordinal);
        const principalKind = u
          ? ItemFragments.kind(u)
          : h.principalType === "servicePrincipal"
            ? "servicePrincipal"
            : "member";
        if (h.resourceType === "groupNested") nestedItems++;
        if (h === member) {
          // A plain direct membership (most items): the hash's line and COPY's row from fragments encoded once.
          const ix = u!.ix!;
          hasher.addLine(fragments.hashLine(ix, ordinal, h.accessDetail!, rec, resource));
          if (conn) {
            text.add(fragments.copyRow(id, ix, ordinal, h.accessDetail!, rec, resource));
            textRows++;
          } else if (packer) {
            if (!packer.hasPerson(ix))
              packer.addPerson(ix, [
                u!.id,
                u!.displayName ?? groupNames.get(u!.id) ?? null,
                u!.userPrincipalName,
                ItemFragments.kind(u!),
                u!.lastSignInStored,
              ]);
            packer.member(ordinal, ix, packedResource, packer.advice(rec), h.accessDetail!);
          } else
            items.push(
              id,
              input.campaignId,
              ordinal,
              h.principalId,
              h.principalType,
              u!.displayName ?? groupNames.get(h.principalId) ?? null,
              u!.userPrincipalName,
              principalKind,
              r.type,
              r.id,
              r.name,
              h.accessId,
              h.accessDetail,
              u!.lastSignInStored,
              rec.recommendation,
              rec.reason,
            );
        } else {
          hasher.addValues(
            ordinal,
            h.principalId,
            h.principalType,
            principalKind,
            h.resourceType ?? r.type,
            r.id,
            h.accessId,
            h.accessDetail,
            rec.recommendation,
            rec.reason,
          );
          const values = [
            id,
            input.campaignId,
            ordinal,
            h.principalId,
            h.principalType,
            u?.displayName ?? groupNames.get(h.principalId) ?? null,
            u?.userPrincipalName ?? null,
            principalKind,
            h.resourceType ?? r.type,
            r.id,
            r.name,
            h.accessId,
            h.accessDetail,
            u ? u.lastSignInStored : null,
            rec.recommendation,
            rec.reason,
          ];
          if (conn) {
            text.add(copyRow(values, ITEM_COLUMNS));
            textRows++;
          } else for (const v of values) items.push(v);
        }
        // The item's own reviewer context, built only when a stage needs it (most items share their resource's).
        let ctx: ReviewerContext | undefined;
        for (let i = 0; i < c.stages.length; i++) {
          const s = c.stages[i]!;
          const shared = base[i];
          // An app's access goes to the app's owners (#19), not to the resource's reviewers.
          const own =
            !shared ||
            shared.ids.has(h.principalId) ||
            (h.principalType === "servicePrincipal" && s.reviewers === "owners");
          if (!own) {
            // Counted once per resource below.
            if (i === 0) sharedFirstStage++;
            reviewerCount += shared!.assigned.length;
            continue;
          }
          ctx ??= {
            principalId: h.principalId,
            principalType: h.principalType,
            resourceOwners: r.owners,
            managerId: u?.managerId ?? null,
            sponsorIds: sponsors.get(h.principalId) ?? [],
            principalOwners: appOwners.get(h.principalId) ?? [],
            creatorId: input.creatorId,
          };
          const assigned = resolveReviewers(s, ctx);
          if (i === 0) {
            if (assigned[0]?.relation === "fallback") fallbackItems++;
            for (const a of assigned) firstStageLoad.set(a.reviewerId, (firstStageLoad.get(a.reviewerId) ?? 0) + 1);
          }
          for (const a of assigned)
            reviewers.push([input.campaignId, id || itemId(ordinal), i + 1, a.reviewerId, a.relation]);
          reviewerCount += assigned.length;
        }
        if (items.length >= batchItems * ITEM_WIDTH || text.full || (packer && packer.size >= batchItems)) {
          await flush(conn ? { text: text.take(), rows: textRows } : items, reviewers, resourceReviewers, false);
          items = [];
          textRows = 0;
          reviewers = [];
          resourceReviewers = [];
        }
      }
      for (const h of peers) if (h.u) count(h.u.ix!, -1);
      for (const i of members) count(i, -1);
      // The resource's shared reviewers, with its items' ordinal range (the view joins through it).
      if (ordinal >= firstOrdinal) {
        base.forEach((b, i) => {
          for (const a of b?.assigned ?? [])
            resourceReviewers.push([input.campaignId, i + 1, r.id, a.reviewerId, a.relation, firstOrdinal, ordinal]);
        });
      }
      // The first stage's shared assignments of this resource, counted once.
      const first = base[0];
      if (first && sharedFirstStage) {
        if (first.assigned[0]?.relation === "fallback") fallbackItems += sharedFirstStage;
        for (const a of first.assigned)
          firstStageLoad.set(a.reviewerId, (firstStageLoad.get(a.reviewerId) ?? 0) + sharedFirstStage);
      }
    }
    await flush(conn ? { text: text.take(), rows: textRows } : items, reviewers, resourceReviewers, true);
  } catch (e) {
    flush.abort?.();
    throw e;
  }
  return {
    itemCount: ordinal,
    itemsHash: hasher.digest(),
    reviewerCount,
    firstStageLoad,
    resources: resources.length,
    fallbackItems,
    skipped: { dynamicGroups },
    ...(nested ? { nested: { ...nested, items: nestedItems } } : {}),
    excluded: { groupIds: excludedGroupIds, userIds: c.scope.exclude?.userIds ?? [], items: excludedItems },
  };
}
