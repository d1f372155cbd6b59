/**
 * The security dashboard's numbers, computed from the last finished sync with aggregate queries; the
 * per-user enforcement buckets need each user's facts once, so they are cached per sync run (a new sync or
 * a changed sanctioned exclusion invalidates them). Every figure has a segment key that lists its users.
 */
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import type { Ctx, Db } from "@/lib/db/context";
import { idRows, inIds, parameters, type Dialect } from "@/lib/db/sql";
import {
  BUCKET_LABEL,
  describePolicy,
  externalKindOf,
  mfaRequirement,
  userCoverage,
  type Bucket,
  type UserFacts,
} from "./policy-coverage";

const DAY = 86_400_000;
export const INACTIVE_DAYS = 90;
const num = (v: unknown) => Number(v ?? 0);

export const METHOD_LABEL: Record<string, string> = {
  microsoftAuthenticatorPush: "Microsoft Authenticator (push)",
  microsoftAuthenticatorPasswordless: "Authenticator (passwordless)",
  softwareOneTimePasscode: "Authenticator app (code)",
  hardwareOneTimePasscode: "Hardware token",
  fido2SecurityKey: "FIDO2 security key",
  passKeyDeviceBound: "Passkey (device-bound)",
  passKeyDeviceBoundAuthenticator: "Passkey (Authenticator)",
  passKeyDeviceBoundWindowsHello: "Passkey (Windows Hello)",
  windowsHelloForBusiness: "Windows Hello for Business",
  mobilePhone: "Phone (SMS/voice)",
  alternateMobilePhone: "Alternate phone",
  officePhone: "Office phone",
  email: "Email",
  securityQuestion: "Security questions",
  temporaryAccessPass: "Temporary Access Pass",
  macOsSecureEnclaveKey: "macOS Platform SSO",
};

export interface Share {
  total: number;
  registered: number;
  capable: number;
  passwordless: number;
}

export interface Overview {
  syncRunId: string | null;
  syncedAt: string | null;
  enabledUsers: number;
  mfa: Share;
  split: { key: string; label: string; share: Share }[];
  departments: { department: string; share: Share }[];
  methods: { method: string; label: string; users: number }[];
  trend: { at: string; users: number; mfaRegistered: number; pct: number }[];
  buckets: { bucket: Bucket; label: string; users: number }[];
  policies: {
    id: string;
    name: string;
    state: string;
    requiresMfa: boolean;
    countsAsEnforcing: boolean;
    description: string;
    exclusions: {
      userId: string;
      name: string;
      viaGroup: string | null;
      sanctioned: boolean;
      sanctionId: string | null;
    }[];
  }[];
  hygiene: { key: string; label: string; value: number; href: string }[];
  campaigns: { id: string; name: string; endAt: string; items: number; decided: number; overdueReviewers: number }[];
}

function emptyShare(): Share {
  return { total: 0, registered: 0, capable: 0, passwordless: 0 };
}

/** Users who hold a directory role, directly or through a (role-assignable) group. */
export async function privilegedUsers(db: Db, tenantId: string): Promise<Map<string, Set<string>>> {
  const assignments = await db.dirRoleAssignment.findMany({
    where: { tenantId },
    select: { principalId: true, principalType: true, roleDefinitionId: true },
  });
  const holders = new Map<string, Set<string>>();
  const add = (u: string, r: string) => (holders.get(u) ?? holders.set(u, new Set()).get(u)!).add(r);
  const viaGroup = assignments.filter((a) => a.principalType === "group");
  for (const a of assignments) if (a.principalType === "user") add(a.principalId, a.roleDefinitionId);
  for (const a of viaGroup) {
    for (const m of await db.dirGroupMember.findMany({
      where: { groupId: a.principalId, memberType: "user" },
      select: { memberId: true },
    }))
      add(m.memberId, a.roleDefinitionId);
  }
  return holders;
}

/** Transitive user members of the given groups (nested groups followed level by level, cycles tolerated). */
async function transitiveMembers(db: Db, tenantId: string, groupIds: string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const children = new Map<string, { users: string[]; groups: string[] }>();
  // Only the tenant's own groups are followed: a policy naming another tenant's group id reaches no one. Their nested
  // groups are found through those groups' memberships, which are the tenant's.
  const own = new Set<string>();
  const asked = [...new Set(groupIds)];
  for (let i = 0; i < asked.length; i += 500)
    for (const g of await db.dirGroup.findMany({
      where: { tenantId, id: { in: asked.slice(i, i + 500) } },
      select: { id: true },
    }))
      own.add(g.id);
  // Read only the groups reachable from the ones asked for, a level at a time.
  let frontier = asked.filter((g) => own.has(g));
  while (frontier.length) {
    const next: string[] = [];
    for (let i = 0; i < frontier.length; i += 500) {
      const part = frontier.slice(i, i + 500);
      for (const g of part) children.set(g, { users: [], groups: [] });
      const edges = await db.dirGroupMember.findMany({
        // No tenant condition here: a group's members are keyed by its id (the primary key is groupId, memberId), and
        // the groups are the tenant's (checked above). With one, SQLite read the memberships through the tenant's index,
        // all 1.08M of them at 100,000 users, for a two-member break-glass group (166 ms of a cold dashboard, #20).
        where: { groupId: { in: part }, memberType: { in: ["user", "group"] } },
        select: { groupId: true, memberId: true, memberType: true },
      });
      for (const e of edges) {
        const c = children.get(e.groupId)!;
        if (e.memberType === "user") c.users.push(e.memberId);
        else {
          c.groups.push(e.memberId);
          if (!children.has(e.memberId)) next.push(e.memberId);
        }
      }
    }
    frontier = [...new Set(next)].filter((g) => !children.has(g));
  }
  for (const g of groupIds) {
    const users = new Set<string>();
    const seen = new Set<string>([g]);
    const queue = [g];
    while (queue.length) {
      const c = children.get(queue.pop()!);
      if (!c) continue;
      for (const u of c.users) users.add(u);
      for (const x of c.groups) {
        if (seen.has(x)) continue;
        seen.add(x);
        queue.push(x);
      }
    }
    out.set(g, users);
  }
  return out;
}

interface CoverageCache {
  key: string;
  byUser: Map<string, { bucket: Bucket; excludedFrom: string[]; breakGlass: boolean }>;
}
const g = globalThis as unknown as { __recertCoverage?: CoverageCache };

/** Each enabled user's enforcement bucket, cached per (tenant, sync run, sanctioned-exclusion state). */
export async function coverageByUser(db: Db, tenantId: string, now = new Date()): Promise<CoverageCache["byUser"]> {
  const run = await db.syncSnapshot.findFirst({
    where: { tenantId },
    orderBy: { takenAt: "desc" },
    select: { runId: true },
  });
  const sanctions = await db.sanctionedExclusion.findMany({
    where: { tenantId, revokedAt: null, expiresAt: { gt: now } },
    select: { id: true, userId: true, policyId: true, expiresAt: true },
  });
  const key = `${tenantId}|${run?.runId ?? "none"}|${sanctions
    .map((s) => s.id)
    .sort()
    .join(",")}|${Math.floor(now.getTime() / 3_600_000)}`;
  if (g.__recertCoverage?.key === key) return g.__recertCoverage.byUser;
  const policies = (await db.dirCaPolicy.findMany({ where: { tenantId }, select: { raw: true } })).map(
    (p) => JSON.parse(p.raw) as MSGraph.ConditionalAccessPolicy,
  );
  const enforcing = policies.filter((p) => p.state === "enabled" && mfaRequirement(p).requiresMfa);
  const referenced = [
    ...new Set(
      enforcing.flatMap((p) => [
        ...(p.conditions?.users?.includeGroups ?? []),
        ...(p.conditions?.users?.excludeGroups ?? []),
      ]),
    ),
  ];
  const members = await transitiveMembers(db, tenantId, referenced);
  const roles = await privilegedUsers(db, tenantId);
  const defs = await db.dirRoleDefinition.findMany({ where: { tenantId }, select: { id: true, templateId: true } });
  const template = new Map(defs.map((d) => [d.id, d.templateId ?? d.id]));
  const registered = new Set(
    (
      await db.dirMfaRegistration.findMany({ where: { tenantId, isMfaRegistered: true }, select: { userId: true } })
    ).map((m) => m.userId),
  );
  const users = await db.dirUser.findMany({
    where: { tenantId, accountEnabled: true },
    select: { id: true, userType: true, userPrincipalName: true, creationType: true },
  });
  const byUser: CoverageCache["byUser"] = new Map();
  const empty = new Set<string>();
  for (const u of users) {
    const groupIds = new Set<string>();
    for (const gid of referenced) if (members.get(gid)?.has(u.id)) groupIds.add(gid);
    const r = roles.get(u.id);
    const facts: UserFacts = {
      id: u.id,
      userType: u.userType === "Guest" ? "Guest" : "Member",
      externalKind: externalKindOf(u),
      groupIds,
      roleIds: r ? new Set([...r].map((x) => template.get(x) ?? x)) : empty,
      isMfaRegistered: registered.has(u.id),
    };
    const mine = sanctions.filter((s) => s.userId === u.id);
    const c = userCoverage(policies, facts, (pid) => mine.some((s) => s.policyId === null || s.policyId === pid));
    // Break-glass: no MFA policy applies to the account because each one that targets it names it (or a group
    // it is in) as an exclusion. Exclusions of "all guests" or of roles do not make an emergency account.
    const breakGlass =
      c.enforcement === "none" &&
      c.excludedFrom.length > 0 &&
      c.excludedFrom.every((e) => e.by === "user" || e.by === "group");
    byUser.set(u.id, { bucket: c.bucket, excludedFrom: c.excludedFrom.map((e) => e.policyId), breakGlass });
  }
  g.__recertCoverage = { key, byUser };
  return byUser;
}

/**
 * `CROSS JOIN` the user members (as `m.uid`) of the group whose id is in the given column, read as one index range per
 * group. PostgreSQL: a LATERAL subquery kept from being flattened into a join by OFFSET 0 (an optimisation fence); left
 * to its estimates, the planner hashed the role-holding groups and read all 1.08M memberships by a parallel sequential
 * scan (290 ms of the enforcement buckets' 650 under EXPLAIN ANALYZE at 100,000 users, #20), where the 373 groups'
 * ranges take 14 ms. SQLite: its CROSS JOIN keeps the groups outside.
 */
function userMembersOf(d: Dialect, col: string): string {
  return d.engine === "postgresql"
    ? `CROSS JOIN LATERAL (SELECT gm."memberId" AS uid FROM "DirGroupMember" gm WHERE gm."groupId" = ${col} AND gm."memberType" = 'user' OFFSET 0) m`
    : `CROSS JOIN (SELECT gm."groupId", gm."memberId" AS uid FROM "DirGroupMember" gm WHERE gm."memberType" = 'user') m ON m."groupId" = ${col}`;
}

/**
 * How many enabled users fall in each enforcement bucket, computed by the database (#20): no object per user. A user's
 * bucket depends only on a handful of facts the policies can test:
 * - whether they are a guest or external;
 * - their MFA registration;
 * - which of the groups the enforcing policies name they are in (transitively);
 * - which of the roles those policies name they hold;
 * - their id, only when a policy or a sanctioned exclusion names them.
 *
 * One statement groups the tenant's users by those facts, and the policies are evaluated once per distinct
 * combination (a few hundred at 100k users) with the same `userCoverage` the per-user path uses. Nested groups are
 * followed by a recursive CTE whose UNION drops repeats, so cycles end.
 */
export async function coverageCounts(ctx: Ctx): Promise<Map<Bucket, number>> {
  return (await oneConnection(ctx, coverageAndShares)).buckets;
}

/**
 * Runs `fn` on one connection. PostgreSQL: in a transaction with work_mem at 64 MB (SET LOCAL: this transaction only).
 * At the default 4 MB the pass over the enabled users (coverageAndShares) sorted its final grouping of 100,000 users on
 * disk, and the registrations' hash and the role holders' sort spilled too; with 64 MB they stay in memory and the
 * grouping is hashed (EXPLAIN (ANALYZE, BUFFERS) at 100,000 users: 553 → 463 ms in a new connection, 381–420 → 340 ms in
 * a used one, #20). The memory is the statements' own: a few hash tables over the enabled users.
 */
async function oneConnection<T>(ctx: Ctx, fn: (c: Ctx) => Promise<T>): Promise<T> {
  if (ctx.dialect.engine !== "postgresql") return fn(ctx);
  return ctx.db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL work_mem = '64MB'`);
      return fn({ ...ctx, db: tx as unknown as Ctx["db"] });
    },
    // Waits for a connection as the plain queries do (Prisma's default maxWait is 2 s), with the pool busy.
    { maxWait: 30_000, timeout: 10 * 60_000 },
  );
}

/**
 * The enforcement buckets' counts and the MFA registration split (member/guest × admin/other × department), from one
 * pass over the enabled users: the split was a second statement over the same users and registrations (0.3 s of a cold
 * render at 100,000 users on either engine, #20).
 */
async function coverageAndShares(ctx: Ctx): Promise<{ buckets: Map<Bucket, number>; cells: Map<string, Share> }> {
  const { db, tenantId, dialect: d } = ctx;
  const now = ctx.now();
  const pg = d.engine === "postgresql";
  const policies = (await db.dirCaPolicy.findMany({ where: { tenantId }, select: { raw: true } })).map(
    (p) => JSON.parse(p.raw) as MSGraph.ConditionalAccessPolicy,
  );
  const enforcing = policies.filter((p) => p.state === "enabled" && mfaRequirement(p).requiresMfa);
  const sanctions = await db.sanctionedExclusion.findMany({
    where: { tenantId, revokedAt: null, expiresAt: { gt: now } },
    select: { userId: true, policyId: true },
  });
  const users = (p: MSGraph.ConditionalAccessPolicy) => [
    ...(p.conditions?.users?.includeUsers ?? []),
    ...(p.conditions?.users?.excludeUsers ?? []),
  ];
  const groups = [
    ...new Set(
      enforcing.flatMap((p) => [
        ...(p.conditions?.users?.includeGroups ?? []),
        ...(p.conditions?.users?.excludeGroups ?? []),
      ]),
    ),
  ];
  const roles = [
    ...new Set(
      enforcing.flatMap((p) => [
        ...(p.conditions?.users?.includeRoles ?? []),
        ...(p.conditions?.users?.excludeRoles ?? []),
      ]),
    ),
  ];
  const named = [
    ...new Set(
      [...enforcing.flatMap(users), ...sanctions.map((s) => s.userId)].filter(
        (u) => !["All", "None", "GuestsOrExternalUsers"].includes(u),
      ),
    ),
  ];
  const { values, p } = parameters(d);
  // The lists are text[] parameters on PostgreSQL (idRows): seeded with json_array_elements_text's "100" policy groups,
  // the recursive CTE below was planned for 1,000 and read all 1.08M memberships twice by sequential scan (590 ms under
  // EXPLAIN ANALYZE at 100,000 users, #20); with the one real group, two index scans (under 1 ms).
  // The lists only need one order, any: "C" compares bytes, where the database's collation (C.UTF-8 here) sorts through
  // the C library's strcoll.
  const agg = (col: string) =>
    pg ? `string_agg(${col}, ',' ORDER BY ${col} COLLATE "C")` : `group_concat(${col}, ',' ORDER BY ${col})`;
  const t = d.bool(true);
  // SQLite: CROSS JOIN keeps the few policy-named groups (and role-holding groups) outside, each member list read through
  // the (groupId, memberId) key. Left to its planner, it read all 1,085,062 memberships by member and probed the groups
  // for each: 3.0 s of the dashboard's 5.5 s at 100,000 users. PostgreSQL's planner orders these joins by its statistics.
  const ordered = pg ? "JOIN" : "CROSS JOIN";
  // Placeholders are taken in text order (SQLite's are positional): p() is called inline, once per use.
  const tenant = () => p(tenantId);
  const ext = pg
    ? `(strpos(COALESCE(u."userPrincipalName", ''), '#EXT#') > 0 OR u."creationType" = 'Invitation')`
    : `(instr(COALESCE(u."userPrincipalName", ''), '#EXT#') > 0 OR u."creationType" = 'Invitation')`;
  const rows = await db.$queryRawUnsafe<
    {
      guest: unknown;
      ext: unknown;
      registered: unknown;
      groups: string | null;
      roles: string | null;
      named: string | null;
      admin: unknown;
      dept: string | null;
      n: unknown;
      capable: unknown;
      passwordless: unknown;
    }[]
  >(
    `WITH RECURSIVE reach(root, gid) AS (
       SELECT r.v, r.v FROM (${idRows(d, p, groups)}) r
       UNION
       SELECT reach.root, m."memberId" FROM reach JOIN "DirGroupMember" m ON m."groupId" = reach.gid AND m."memberType" = 'group'
     ),
     member_of AS (
       SELECT m."memberId" AS uid, ${agg("reach.root")} AS groups
       FROM (SELECT DISTINCT root, gid FROM reach) reach ${ordered} "DirGroupMember" m ON m."groupId" = reach.gid AND m."memberType" = 'user'
       GROUP BY m."memberId"
     ),
     held AS (
       SELECT a."principalId" AS pid, a."principalType" AS ptype, COALESCE(rd."templateId", a."roleDefinitionId") AS tmpl
       FROM "DirRoleAssignment" a LEFT JOIN "DirRoleDefinition" rd ON rd."tenantId" = a."tenantId" AND rd."id" = a."roleDefinitionId"
       WHERE a."tenantId" = ${tenant()} AND ${inIds(d, p, 'COALESCE(rd."templateId", a."roleDefinitionId")', roles)}
     ),
     holds AS (
       SELECT x.uid, ${agg("x.tmpl")} AS roles FROM (
         SELECT DISTINCT h.uid, h.tmpl FROM (
           SELECT held.pid AS uid, held.tmpl FROM held WHERE held.ptype = 'user'
           UNION ALL
           SELECT m.uid, held.tmpl FROM held ${userMembersOf(d, "held.pid")} WHERE held.ptype = 'group'
         ) h
       ) x GROUP BY x.uid
     )
     SELECT CASE WHEN u."userType" = 'Guest' THEN 1 ELSE 0 END AS guest, CASE WHEN ${ext} THEN 1 ELSE 0 END AS ext,
            CASE WHEN r."isMfaRegistered" = ${t} THEN 1 ELSE 0 END AS registered, g.groups, h.roles,
            CASE WHEN ${inIds(d, p, 'u."id"', named)} THEN u."id" END AS named,
            CASE WHEN r."isAdmin" = ${t} THEN 1 ELSE 0 END AS admin, COALESCE(u."department", '') AS dept, COUNT(*) AS n,
            SUM(CASE WHEN r."isMfaCapable" = ${t} THEN 1 ELSE 0 END) AS capable,
            SUM(CASE WHEN r."isPasswordlessCapable" = ${t} THEN 1 ELSE 0 END) AS passwordless
     FROM "DirUser" u
     LEFT JOIN member_of g ON g.uid = u."id"
     LEFT JOIN holds h ON h.uid = u."id"
     LEFT JOIN "DirMfaRegistration" r ON r."userId" = u."id"
     WHERE u."tenantId" = ${tenant()} AND u."accountEnabled" = ${t}
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`,
    ...values,
  );
  const counts = new Map<Bucket, number>();
  const cells = new Map<string, Share>();
  const bucketOf = new Map<string, Bucket>(); // rows differing only in the split's columns share the policies' verdict
  const none = new Set<string>();
  for (const r of rows) {
    const guest = num(r.guest) === 1;
    const registered = num(r.registered) === 1;
    const key = JSON.stringify([guest, num(r.ext), registered, r.groups, r.roles, r.named]);
    let bucket = bucketOf.get(key);
    if (!bucket) {
      const facts: UserFacts = {
        id: r.named ?? "",
        userType: guest ? "Guest" : "Member",
        externalKind: externalKindOf({
          userType: guest ? "Guest" : "Member",
          userPrincipalName: num(r.ext) === 1 ? "#EXT#" : "",
        }),
        groupIds: r.groups ? new Set(r.groups.split(",")) : none,
        roleIds: r.roles ? new Set(r.roles.split(",")) : none,
        isMfaRegistered: registered,
      };
      const mine = r.named ? sanctions.filter((s) => s.userId === r.named) : [];
      bucket = userCoverage(policies, facts, (pid) =>
        mine.some((s) => s.policyId === null || s.policyId === pid),
      ).bucket;
      bucketOf.set(key, bucket);
    }
    const n = num(r.n);
    counts.set(bucket, (counts.get(bucket) ?? 0) + n);
    const cellKey = `${guest ? "guest" : "member"}|${num(r.admin) === 1 ? "admin" : "other"}|${r.dept ?? ""}`;
    const cell = cells.get(cellKey) ?? cells.set(cellKey, emptyShare()).get(cellKey)!;
    cell.total += n;
    if (registered) cell.registered += n;
    cell.capable += num(r.capable);
    cell.passwordless += num(r.passwordless);
  }
  return { buckets: counts, cells };
}

/** The dashboard's order of the enforcement buckets. */
const BUCKET_ORDER: Bucket[] = [
  "enforcedAllApps",
  "enforcedSomeApps",
  "registeredNotEnforced",
  "enforcedNotRegistered",
  "neither",
  "sanctionedExclusion",
];

const sanctionOf = (s: { id: string } | undefined) => ({ sanctioned: Boolean(s), sanctionId: s?.id ?? null });

/** How many enabled users registered each MFA method. */
async function methodCounts(ctx: Ctx): Promise<{ method: string; n: unknown }[]> {
  const { db, tenantId, dialect } = ctx;
  return db.$queryRawUnsafe<{ method: string; n: unknown }[]>(
    dialect.engine === "postgresql"
      ? `SELECT j.value AS method, COUNT(*) AS n FROM "DirMfaRegistration" m JOIN "DirUser" u ON u."id" = m."userId" AND u."accountEnabled" = true, json_array_elements_text(m."methodsRegistered"::json) j WHERE m."tenantId" = $1 GROUP BY j.value ORDER BY n DESC`
      : `SELECT j.value AS method, COUNT(*) AS n FROM "DirMfaRegistration" m JOIN "DirUser" u ON u."id" = m."userId" AND u."accountEnabled" = 1, json_each(m."methodsRegistered") j WHERE m."tenantId" = ? GROUP BY j.value ORDER BY n DESC`,
    tenantId,
  );
}

/**
 * Holders of directory roles (directly or as direct members of a role-holding group) and how many are registered for
 * MFA, in one statement: the same people as privilegedUsers() lists for the segment. A query per role-holding group
 * and per 500 holders took 1.3 s (SQLite) and 2.4 s (PostgreSQL) at 100,000 users.
 */
async function privilegedCounts(ctx: Ctx): Promise<{ privileged: number; registeredPriv: number }> {
  const { db, tenantId, dialect } = ctx;
  const priv = parameters(dialect);
  const [privRow] = await db.$queryRawUnsafe<{ holders: unknown; registered: unknown }[]>(
    `SELECT COUNT(*) AS holders, SUM(CASE WHEN r."isMfaRegistered" = ${dialect.bool(true)} THEN 1 ELSE 0 END) AS registered FROM (
       SELECT a."principalId" AS uid FROM "DirRoleAssignment" a WHERE a."tenantId" = ${priv.p(tenantId)} AND a."principalType" = 'user'
       UNION
       SELECT m.uid FROM "DirRoleAssignment" a ${userMembersOf(dialect, 'a."principalId"')}
       WHERE a."tenantId" = ${priv.p(tenantId)} AND a."principalType" = 'group'
     ) p LEFT JOIN "DirMfaRegistration" r ON r."userId" = p.uid`,
    ...priv.values,
  );
  return { privileged: num(privRow?.holders), registeredPriv: num(privRow?.registered) };
}

/** The directory figures read neither in the pass over the enabled users nor with the hygiene figures: trend, policies. */
async function directoryFigures(ctx: Ctx) {
  const { db, tenantId } = ctx;
  const now = ctx.now();
  const trend = (
    await db.syncSnapshot.findMany({
      where: { tenantId },
      orderBy: { takenAt: "desc" },
      take: 30,
      select: { takenAt: true, users: true, mfaRegistered: true, disabledUsers: true },
    })
  )
    .reverse()
    .map((s) => ({
      at: s.takenAt.toISOString(),
      users: s.users,
      mfaRegistered: s.mfaRegistered,
      pct: s.users - s.disabledUsers > 0 ? Math.round((1000 * s.mfaRegistered) / (s.users - s.disabledUsers)) / 10 : 0,
    }));

  const policyRows = await db.dirCaPolicy.findMany({ where: { tenantId }, orderBy: { displayName: "asc" } });
  const sanctions = await db.sanctionedExclusion.findMany({
    where: { tenantId, revokedAt: null, expiresAt: { gt: now } },
  });
  const roleNames = new Map(
    (
      await db.dirRoleDefinition.findMany({
        where: { tenantId },
        select: { id: true, templateId: true, displayName: true },
      })
    ).flatMap((r) => [[r.id, r.displayName ?? r.id] as const, [r.templateId ?? r.id, r.displayName ?? r.id] as const]),
  );
  const parsed = policyRows.map((row) => ({ row, p: JSON.parse(row.raw) as MSGraph.ConditionalAccessPolicy }));
  // The names of the groups the policies name, not of all the tenant's groups (10,000 at 100,000 users: 82 ms on SQLite).
  const policyGroups = [
    ...new Set(
      parsed.flatMap(({ p }) => [
        ...(p.conditions?.users?.includeGroups ?? []),
        ...(p.conditions?.users?.excludeGroups ?? []),
      ]),
    ),
  ];
  const names = new Map<string, string>();
  for (let i = 0; i < policyGroups.length; i += 500)
    for (const x of await db.dirGroup.findMany({
      where: { tenantId, id: { in: policyGroups.slice(i, i + 500) } },
      select: { id: true, displayName: true },
    }))
      names.set(x.id, x.displayName ?? x.id);
  const exGroups = [...new Set(parsed.flatMap(({ p }) => p.conditions?.users?.excludeGroups ?? []))];
  const exGroupMembers = await transitiveMembers(db, tenantId, exGroups);
  // Who each policy leaves out: excluded users and the (transitive) members of excluded groups, e.g. break-glass accounts.
  const excludedOf = (p: MSGraph.ConditionalAccessPolicy) => {
    const out = new Map<string, string | null>();
    for (const u of p.conditions?.users?.excludeUsers ?? []) if (u !== "GuestsOrExternalUsers") out.set(u, null);
    for (const gid of p.conditions?.users?.excludeGroups ?? [])
      for (const u of exGroupMembers.get(gid) ?? []) if (!out.has(u)) out.set(u, gid);
    return [...out.entries()].slice(0, 50);
  };
  const excludedIds = [...new Set(parsed.flatMap(({ p }) => excludedOf(p).map(([u]) => u)))];
  const userNames = new Map(
    (
      await db.dirUser.findMany({
        where: { tenantId, id: { in: excludedIds.slice(0, 500) } },
        select: { id: true, displayName: true, userPrincipalName: true },
      })
    ).map((u) => [u.id, u.displayName ?? u.userPrincipalName ?? u.id]),
  );
  const policies = parsed.map(({ row, p }) => {
    const req = mfaRequirement(p);
    const ex = excludedOf(p);
    return {
      id: row.id,
      name: row.displayName ?? row.id,
      state: row.state ?? "unknown",
      requiresMfa: req.requiresMfa,
      countsAsEnforcing: row.state === "enabled" && req.requiresMfa,
      description: describePolicy(p, {
        group: (id) => names.get(id) ?? id,
        role: (id) => roleNames.get(id) ?? id,
        user: (id) => userNames.get(id) ?? id,
        app: (id) => (id === "Office365" ? "Office 365" : id),
      }),
      exclusions: ex.map(([userId, viaGroup]) => ({
        userId,
        name: userNames.get(userId) ?? userId,
        viaGroup: viaGroup ? (names.get(viaGroup) ?? viaGroup) : null,
        ...sanctionOf(sanctions.find((s) => s.userId === userId && (s.policyId === null || s.policyId === row.id))),
      })),
    };
  });

  return { trend, policies };
}

/** The hygiene figures about people and ownerless groups. */
async function hygieneFigures(ctx: Ctx) {
  const { db, tenantId, dialect } = ctx;
  const now = ctx.now();
  const pg = dialect.engine === "postgresql";
  const p1 = pg ? "$1" : "?";
  const cutoff = new Date(now.getTime() - INACTIVE_DAYS * DAY);
  // The four figures about people, in one pass over the tenant's users (four statements before: 0.7 s of a cold render
  // at 100,000 users on PostgreSQL, each reading the users again, #20). A membership is looked up only for the users a
  // figure is about (both engines evaluate a CASE condition's AND left to right and stop at the first false; observed,
  // not promised by their documentation: at worst a lookup runs for nothing).
  const h = parameters(dialect);
  const stale = () =>
    `(u."lastSignInAt" IS NULL OR u."lastSignInAt" < ${h.p(pg ? cutoff : cutoff.toISOString().replace("Z", "+00:00"))})`;
  const inGroup = `EXISTS (SELECT 1 FROM "DirGroupMember" gm WHERE gm."memberId" = u."id")`;
  const [people] = await db.$queryRawUnsafe<
    { pending: unknown; inactiveGuests: unknown; inactiveWithAccess: unknown; disabledInGroups: unknown }[]
  >(
    `SELECT SUM(CASE WHEN u."userType" = 'Guest' AND u."externalUserState" = 'PendingAcceptance' THEN 1 ELSE 0 END) AS "pending",
            SUM(CASE WHEN u."userType" = 'Guest' AND ${stale()} THEN 1 ELSE 0 END) AS "inactiveGuests",
            SUM(CASE WHEN ${stale()} AND (${inGroup} OR EXISTS (SELECT 1 FROM "DirAppRoleAssignment" a WHERE a."principalId" = u."id")) THEN 1 ELSE 0 END) AS "inactiveWithAccess",
            SUM(CASE WHEN u."accountEnabled" = ${dialect.bool(false)} AND ${inGroup} THEN 1 ELSE 0 END) AS "disabledInGroups"
     FROM "DirUser" u WHERE u."tenantId" = ${h.p(tenantId)}`,
    ...h.values,
  );
  const [ownerlessRow] = await db.$queryRawUnsafe<{ n: unknown }[]>(
    `SELECT COUNT(*) AS n FROM "DirGroup" g WHERE g."tenantId" = ${p1} AND NOT EXISTS (SELECT 1 FROM "DirGroupOwner" o WHERE o."groupId" = g."id")`,
    tenantId,
  );
  return { people, ownerlessRow };
}

/** Everything that only changes with a sync or a sanctioned exclusion (cached by overview()). */
async function directoryOverview(ctx: Ctx): Promise<Overview> {
  const { db, tenantId } = ctx;
  const snapshot = await db.syncSnapshot.findFirst({ where: { tenantId }, orderBy: { takenAt: "desc" } });
  // Up to three connections at once on PostgreSQL (#20). Each statement runs on one core while the app waits, and a new
  // connection pays a page fault for each shared buffer it first reads (README, "Huge pages"):
  // 1. the pass over the enabled users and their registrations (coverageAndShares), then the methods, which read the
  //    same users and registrations;
  // 2. the trend, the policies and the role holders;
  // 3. the figures about people and ownerless groups.
  // At 100,000 users on a kept database: 1.22–1.52 s one after the other, 1.00–1.09 s so. Other splits measured
  // 1.02–1.16 s. SQLite has one connection and runs them in turn.
  const [{ buckets: bucketCounts, cells, methodRows }, { trend, policies, privileged, registeredPriv }, hygiene] =
    await Promise.all([
      oneConnection(ctx, async (c) => ({ ...(await coverageAndShares(c)), methodRows: await methodCounts(c) })),
      (async () => ({ ...(await directoryFigures(ctx)), ...(await privilegedCounts(ctx)) }))(),
      hygieneFigures(ctx),
    ]);
  const { people, ownerlessRow } = hygiene;
  // One pass over the enabled users gives every split (member/guest, admin/other, department, summed here) and the
  // enforcement buckets.
  const all = emptyShare();
  const byType = new Map<string, Share>();
  const byAdmin = new Map<string, Share>();
  const byDept = new Map<string, Share>();
  const sum = (x: Share, v: Share) => {
    x.total += v.total;
    x.registered += v.registered;
    x.capable += v.capable;
    x.passwordless += v.passwordless;
  };
  const add = (m: Map<string, Share>, k: string, v: Share) => sum(m.get(k) ?? m.set(k, emptyShare()).get(k)!, v);
  for (const [k, v] of cells) {
    const [type = "", admin = "", ...dept] = k.split("|"); // a department may itself contain "|"
    sum(all, v);
    add(byType, type, v);
    add(byAdmin, admin, v);
    add(byDept, dept.join("|"), v);
  }
  const departments = [...byDept.entries()]
    .filter(([k]) => k)
    .map(([department, share]) => ({ department, share }))
    .sort((a, b) => b.share.total - a.share.total);

  return {
    syncRunId: snapshot?.runId ?? null,
    syncedAt: snapshot?.takenAt.toISOString() ?? null,
    enabledUsers: all.total,
    mfa: all,
    split: [
      { key: "member", label: "Members", share: byType.get("member") ?? emptyShare() },
      { key: "guest", label: "Guests", share: byType.get("guest") ?? emptyShare() },
      { key: "admin", label: "Admins", share: byAdmin.get("admin") ?? emptyShare() },
      { key: "other", label: "Non-admins", share: byAdmin.get("other") ?? emptyShare() },
    ],
    departments: departments.slice(0, 10),
    methods: methodRows.map((m) => ({ method: m.method, label: METHOD_LABEL[m.method] ?? m.method, users: num(m.n) })),
    trend,
    buckets: BUCKET_ORDER.map((b) => ({ bucket: b, label: BUCKET_LABEL[b], users: bucketCounts.get(b) ?? 0 })),
    policies,
    hygiene: [
      {
        key: "pendingGuests",
        label: "Guests with pending invitations",
        value: num(people?.pending),
        href: "/guests?filter=pending",
      },
      {
        key: "inactiveGuests",
        label: `Guests inactive > ${INACTIVE_DAYS} days`,
        value: num(people?.inactiveGuests),
        href: "/guests?filter=inactive",
      },
      {
        key: "inactiveWithAccess",
        label: `Accounts inactive > ${INACTIVE_DAYS} days still holding access`,
        value: num(people?.inactiveWithAccess),
        href: "/dashboard/users?segment=hygiene:inactiveWithAccess",
      },
      {
        key: "disabledInGroups",
        label: "Disabled accounts still in groups",
        value: num(people?.disabledInGroups),
        href: "/dashboard/users?segment=hygiene:disabledInGroups",
      },
      {
        key: "ownerless",
        label: "Groups without an owner",
        value: num(ownerlessRow?.n),
        href: "/directory/groups?filter=ownerless",
      },
      {
        key: "privileged",
        label: "Holders of privileged directory roles",
        value: privileged,
        href: "/dashboard/users?segment=hygiene:privileged",
      },
      {
        key: "privilegedNoMfa",
        label: "… of whom without MFA",
        value: privileged - registeredPriv,
        href: "/dashboard/users?segment=hygiene:privilegedNoMfa",
      },
    ],
    campaigns: [],
  };
}

const cache = globalThis as unknown as { __recertOverview?: { key: string; value: Overview } };

/**
 * The dashboard: the directory part is computed once per (sync run, sanctioned exclusions, hour) and
 * reused; what changes between syncs (campaign progress, access ending) is read live.
 */
/** Tells databases apart in the cache key (tests open several in one process). */
const clientIds = new WeakMap<object, number>();
let clients = 0;
function clientId(db: object): number {
  let id = clientIds.get(db);
  if (id === undefined) {
    id = ++clients;
    clientIds.set(db, id);
  }
  return id;
}

export async function overview(ctx: Ctx): Promise<Overview> {
  const { db, tenantId } = ctx;
  const now = ctx.now();
  const snap = await db.syncSnapshot.findFirst({
    where: { tenantId },
    orderBy: { takenAt: "desc" },
    select: { runId: true },
  });
  const sanctions = await db.sanctionedExclusion.findMany({
    where: { tenantId, revokedAt: null, expiresAt: { gt: now } },
    select: { id: true },
  });
  const key = `${clientId(db)}|${tenantId}|${snap?.runId ?? "none"}|${sanctions
    .map((x) => x.id)
    .sort()
    .join(",")}|${Math.floor(now.getTime() / 3_600_000)}`;
  let base = cache.__recertOverview?.key === key ? cache.__recertOverview.value : null;
  if (!base) {
    base = await directoryOverview(ctx);
    cache.__recertOverview = { key, value: base };
  }
  const p1 = ctx.dialect.p(1);
  const expiringSoon = await db.accessExpiry.count({
    where: { tenantId, status: "scheduled", expiresAt: { gt: now, lte: new Date(now.getTime() + 7 * DAY) } },
  });
  const expiryFailures = await db.accessExpiry.count({ where: { tenantId, status: "partial" } });
  const active = await db.campaign.findMany({
    where: { tenantId, status: "active" },
    orderBy: { endAt: "asc" },
    take: 10,
  });
  const campaigns = [];
  for (const c of active) {
    const decided = await db.campaignItem.count({ where: { campaignId: c.id, decision: { not: null } } });
    const due = c.stageEndsAt ?? c.endAt;
    const span = due.getTime() - c.startAt.getTime();
    const dueAt = span >= 4 * DAY ? new Date(due.getTime() - 2 * DAY) : due;
    const overdue =
      now > dueAt
        ? num(
            (
              await db.$queryRawUnsafe<{ n: unknown }[]>(
                `SELECT COUNT(DISTINCT r."reviewerId") AS n FROM "CampaignItemReviewer" r JOIN "CampaignItem" i ON i."id" = r."itemId" AND i."stage" = r."stage" WHERE r."campaignId" = ${p1} AND i."decision" IS NULL`,
                c.id,
              )
            )[0]?.n,
          )
        : 0;
    campaigns.push({
      id: c.id,
      name: c.name,
      endAt: c.endAt.toISOString(),
      items: c.itemCount,
      decided,
      overdueReviewers: overdue,
    });
  }

  return {
    ...base,
    hygiene: [
      ...base.hygiene,
      {
        key: "expiringSoon",
        label: "People whose access ends within 7 days",
        value: expiringSoon,
        href: "/guests?filter=expiring",
      },
      {
        key: "expiryFailures",
        label: "Access expiries with failed removals (retried by the scheduler)",
        value: expiryFailures,
        href: "/guests?filter=expiring",
      },
    ],
    campaigns,
  };
}
