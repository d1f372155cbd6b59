/**
 * Staging → live, in the caller's transaction. Everything here is set-based SQL that runs inside the
 * database, so the apply of 1M memberships costs one INSERT … SELECT and one anti-join DELETE, not
 * 1M round trips.
 */
import { q, select, type Dialect, type SqlRunner } from "@/lib/db/sql";
import { runIdLiteral } from "./sql";
import {
  APP_OWNER,
  APP_ROLE_ASSIGNMENT,
  CA_POLICY,
  GROUP,
  MEMBER,
  MEMBER_DELTA,
  MFA,
  ORGANIZATION,
  OWNER,
  REMOVED,
  ROLE_ASSIGNMENT,
  ROLE_SCHEDULE,
  GROUP_SCHEDULE,
  SP_OWNER,
  ROLE_DEFINITION,
  SERVICE_PRINCIPAL,
  SPONSOR,
  STAGE_TABLES,
  USER,
  USER_ACTIVITY,
  USER_MANAGER,
  type TableSpec,
} from "./tables";

export type Mode = "full" | "delta";

/** What was fetched completely this run (a kind that was skipped keeps its previous rows). */
/** full: the staged set is complete; changed: it covers only the users staged in SyncStageUser this run. */
export type Refresh = "full" | "changed" | true;

export interface ApplyPlan {
  users?: Mode;
  groups?: Mode;
  activity?: Refresh;
  managers?: Refresh;
  sponsors?: Refresh;
  mfa?: Refresh;
  roles?: boolean;
  pim?: boolean;
  /** full: every role-assignable group's assignment schedules were read; changed: only the delta's groups' (the rest stay) */
  pimGroups?: "full" | "changed";
  /** a digest of the groups named in Settings this run read with ("" for none), kept on the refresh cursor */
  pimGroupsNamed?: string;
  apps?: boolean;
  /** the digest of the app tables this run staged (./row-digest.ts) */
  appsDigest?: string;
  /** equal to what the last apply wrote: the app tables are left as they are */
  appsUnchanged?: boolean;
  policies?: boolean;
  organization?: boolean;
}

function conflictKey(t: TableSpec): string {
  return (t.tenantInKey ? ["tenantId", ...t.key] : t.key).map(q).join(", ");
}

/**
 * INSERT … SELECT from staging; existing rows are updated only where a column changed. `classify`: the staged
 * principalType is Graph's "unknown" (role assignments and PIM schedules name the principal by id only), and the row
 * takes the type of the principal as the directory just written has it (user, group or service principal), computed
 * as it is read. (This was an UPDATE of the staged rows before the upsert: every staged row written once more, 200 ms
 * of a 100k tenant's delta on PostgreSQL for PIM for Groups' schedules.)
 */
export async function upsertFromStage(
  db: SqlRunner,
  d: Dialect,
  t: TableSpec,
  tenantId: string,
  runId: string,
  o: { classify?: boolean } = {},
): Promise<number> {
  const cols = [...t.key, ...t.columns.map((c) => c.name)];
  const rid = runIdLiteral(runId);
  const source = o.classify
    ? `(SELECT ${["runId", ...cols]
        .map((c) => (c === "principalType" ? `${principalTypeOf("x")} AS "principalType"` : `x.${q(c)}`))
        .join(", ")} FROM ${q(t.stage)} x WHERE x."runId" = ${rid})`
    : q(t.stage);
  const set = t.columns.map((c) => `${q(c.name)} = excluded.${q(c.name)}`).join(", ");
  const changed = t.columns.map((c) => d.distinct(`${q(t.live)}.${q(c.name)}`, `excluded.${q(c.name)}`)).join(" OR ");
  // Into an empty table (a new installation's first sync) nothing can conflict: a plain INSERT spares every row the
  // speculative insertion ON CONFLICT needs (1.08M memberships on PostgreSQL: 10.8 s with it). The check reads one row;
  // the sync's lock and this transaction keep any other writer of the tenant's rows out meanwhile.
  const empty = await isEmpty(db, t.live);
  const update = !empty && t.columns.length > 0 && t !== MEMBER && t !== OWNER;
  const onConflict = empty
    ? ""
    : update
      ? `ON CONFLICT (${conflictKey(t)}) DO UPDATE SET ${set} WHERE ${changed}`
      : `ON CONFLICT (${conflictKey(t)}) DO NOTHING`;
  // PostgreSQL: rows staged exactly as they are live are left out before the upsert. ON CONFLICT DO UPDATE locks the
  // conflicting row even when its WHERE leaves it unchanged ("the row will be locked when … the condition is not
  // satisfied", https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT), and a lock is a write to the
  // row's page: every delta sync rewrote the pages of all app role assignments (re-read in full, Graph has no delta for
  // them) for the few that changed (477 ms of a 100k tenant's delta apply). The NOT EXISTS reads the live row through
  // the same unique index; SQLite's upsert writes nothing for an unchanged row, so it keeps the plain statement.
  const same =
    update && d.engine === "postgresql"
      ? `AND NOT EXISTS (SELECT 1 FROM ${q(t.live)} l WHERE ${[
          ...(t.tenantInKey ? [`l."tenantId" = ${d.p(1)}`] : []),
          ...t.key.map((k) => `l.${q(k)} = s.${q(k)}`),
          // A classified row's type is not compared: an object id is a user, group or app for good, so a live row with
          // the same principal and a known type is the same, and the classification (subqueries per row) is computed
          // only for the new and changed rows that pass this filter.
          ...t.columns
            .filter((c) => !(o.classify && c.name === "principalType"))
            .map((c) => `NOT (${d.distinct(`l.${q(c.name)}`, `s.${q(c.name)}`)})`),
          ...(o.classify ? [`l."principalType" <> 'unknown'`] : []),
        ].join(" AND ")})`
      : "";
  return db.$executeRawUnsafe(
    `INSERT INTO ${q(t.live)} (${["tenantId", ...cols].map(q).join(", ")})
     SELECT ${d.p(1)}, ${cols.map((c) => `s.${q(c)}`).join(", ")} FROM ${source} s WHERE s."runId" = ${rid} ${same}
     ${onConflict}`,
    tenantId,
  );
}

async function isEmpty(db: SqlRunner, table: string): Promise<boolean> {
  return (await select(db, `SELECT 1 AS x FROM ${q(table)} LIMIT 1`)).length === 0;
}

/** A first sync's users, with the activity and managers staged this run joined in (see applyStaged). */
async function insertUsersWithActivity(
  db: SqlRunner,
  d: Dialect,
  tenantId: string,
  runId: string,
  plan: ApplyPlan,
): Promise<void> {
  const rid = runIdLiteral(runId);
  const cols = [...USER.key, ...USER.columns.map((c) => c.name)].map((c) => ({ name: c, from: `s.${q(c)}` }));
  const joins: string[] = [];
  if (plan.activity) {
    for (const c of USER_ACTIVITY.columns) cols.push({ name: c.name, from: `a.${q(c.name)}` });
    joins.push(`LEFT JOIN ${q(USER_ACTIVITY.stage)} a ON a."runId" = ${rid} AND a."id" = s."id"`);
  }
  if (plan.managers) {
    cols.push({ name: "managerId", from: `m."managerId"` });
    joins.push(`LEFT JOIN ${q(USER_MANAGER.stage)} m ON m."runId" = ${rid} AND m."id" = s."id"`);
  }
  await db.$executeRawUnsafe(
    `INSERT INTO ${q(USER.live)} ("tenantId", ${cols.map((c) => q(c.name)).join(", ")})
     SELECT ${d.p(1)}, ${cols.map((c) => c.from).join(", ")} FROM ${q(USER.stage)} s ${joins.join(" ")} WHERE s."runId" = ${rid}`,
    tenantId,
  );
}

/** Deletes live rows of the tenant that the (complete) staging set does not hold. */
export async function deleteMissing(
  db: SqlRunner,
  d: Dialect,
  t: TableSpec,
  tenantId: string,
  runId: string,
): Promise<number> {
  const match = t.key.map((k) => `s.${q(k)} = ${q(t.live)}.${q(k)}`).join(" AND ");
  return db.$executeRawUnsafe(
    `DELETE FROM ${q(t.live)} WHERE ${q(t.live)}."tenantId" = ${d.p(1)}
       AND NOT EXISTS (SELECT 1 FROM ${q(t.stage)} s WHERE s."runId" = ${runIdLiteral(runId)} AND ${match})`,
    tenantId,
  );
}

/**
 * The role assignment and PIM schedule lists name the principal only by id: classify it from the directory just
 * written (user, group or service principal).
 */
function principalTypeOf(t: string): string {
  return `CASE WHEN ${t}."principalType" <> 'unknown' THEN ${t}."principalType"
       WHEN EXISTS (SELECT 1 FROM "DirUser" u WHERE u."id" = ${t}."principalId") THEN 'user'
       WHEN EXISTS (SELECT 1 FROM "DirGroup" g WHERE g."id" = ${t}."principalId") THEN 'group'
       WHEN EXISTS (SELECT 1 FROM "DirServicePrincipal" p WHERE p."id" = ${t}."principalId") THEN 'servicePrincipal'
       ELSE ${t}."principalType" END`;
}

/** Live rows of the tenant whose principal was unknown when they were written, classified from the directory now. */
async function classifyPrincipals(db: SqlRunner, d: Dialect, table: string, tenantId: string): Promise<void> {
  const t = q(table);
  await db.$executeRawUnsafe(
    `UPDATE ${t} SET "principalType" = ${principalTypeOf(t)} WHERE "tenantId" = ${d.p(1)} AND "principalType" = 'unknown'`,
    tenantId,
  );
}

async function replace(
  db: SqlRunner,
  d: Dialect,
  t: TableSpec,
  tenantId: string,
  runId: string,
  o: { classify?: boolean } = {},
): Promise<void> {
  await upsertFromStage(db, d, t, tenantId, runId, o);
  await deleteMissingUnlessEqual(db, d, t, tenantId, runId);
}

/**
 * deleteMissing, skipped when nothing can be missing. After the upsert every staged key is live (Entra's object ids are
 * GUIDs unique across tenants; tables whose ids are not carry tenantId in their key), so when the tenant has as many
 * live rows as the run staged, the two sets are equal. Counting both over their keys' indexes is much
 * cheaper than the anti-join (a first sync of 1.08M memberships: 3.0 s for the DELETE on PostgreSQL, which deleted
 * nothing).
 */
async function deleteMissingUnlessEqual(
  db: SqlRunner,
  d: Dialect,
  t: TableSpec,
  tenantId: string,
  runId: string,
): Promise<void> {
  const [row] = await select<{ live: number | string; staged: number | string }>(
    db,
    `SELECT (SELECT COUNT(*) FROM ${q(t.live)} WHERE "tenantId" = ${d.p(1)}) AS "live",
            (SELECT COUNT(*) FROM ${q(t.stage)} WHERE "runId" = ${runIdLiteral(runId)}) AS "staged"`,
    tenantId,
  );
  if (row && Number(row.live) === Number(row.staged)) return;
  await deleteMissing(db, d, t, tenantId, runId);
}

/** The groups a delta reported: changed properties, or only members or owners added or removed. */
export function deltaGroupsSql(rid: string): string {
  return `SELECT g."id" FROM "SyncStageGroup" g WHERE g."runId" = ${rid} UNION SELECT m."groupId" FROM "SyncStageMemberDelta" m WHERE m."runId" = ${rid}`;
}

/**
 * What an apply did that the counts can use: with the memberships only changed by a delta's statements (groups read
 * by delta), how many rows those statements added less how many they deleted (./run-sync.ts countsAfterApply).
 */
export interface ApplyOutcome {
  membershipChange?: number;
}

export async function applyStaged(
  db: SqlRunner,
  d: Dialect,
  plan: ApplyPlan,
  tenantId: string,
  runId: string,
): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = {};
  const rid = runIdLiteral(runId);
  const p1 = d.p(1);
  const removed = (kind: string) =>
    `SELECT r."id" FROM "SyncStageRemoved" r WHERE r."runId" = ${rid} AND r."kind" = '${kind}'`;

  // Users first: memberships, sponsors and assignments refer to them. Into an empty table (a first sync) their sign-in
  // activity and managers go in with them: the UPDATEs below would otherwise rewrite every row just inserted (twice
  // 1.7 s for 100k users on PostgreSQL). Later syncs update only the users whose values changed.
  const together = plan.users && (plan.activity || plan.managers) && (await isEmpty(db, USER.live));
  if (together) await insertUsersWithActivity(db, d, tenantId, runId, plan);
  if (plan.users) {
    if (!together) await upsertFromStage(db, d, USER, tenantId, runId);
    if (plan.users === "full") {
      await deleteMissingUnlessEqual(db, d, USER, tenantId, runId);
    } else {
      await db.$executeRawUnsafe(
        `DELETE FROM "DirUser" WHERE "tenantId" = ${p1} AND "id" IN (${removed("user")})`,
        tenantId,
      );
    }
  }
  if (plan.groups) {
    await upsertFromStage(db, d, GROUP, tenantId, runId);
    if (plan.groups === "full") await deleteMissingUnlessEqual(db, d, GROUP, tenantId, runId);
    else
      await db.$executeRawUnsafe(
        `DELETE FROM "DirGroup" WHERE "tenantId" = ${p1} AND "id" IN (${removed("group")})`,
        tenantId,
      );
  }

  // Memberships and ownerships.
  if (plan.groups === "full") {
    await replace(db, d, MEMBER, tenantId, runId);
    await replace(db, d, OWNER, tenantId, runId);
  } else if (plan.groups === "delta") {
    // The memberships' rows added less those deleted (each statement returns how many rows it wrote).
    outcome.membershipChange = 0;
    for (const [t, rel, col, typeCol] of [
      [MEMBER, "member", "memberId", "memberType"],
      [OWNER, "owner", "ownerId", "ownerType"],
    ] as const) {
      const wrote = async (sign: 1 | -1, sql: string, ...values: unknown[]) => {
        const n = await db.$executeRawUnsafe(sql, ...values);
        if (t === MEMBER) outcome.membershipChange! += sign * n;
      };
      await wrote(
        1,
        `INSERT INTO ${q(t.live)} ("tenantId", "groupId", ${q(col)}, ${q(typeCol)})
         SELECT ${p1}, m."groupId", m."memberId", m."memberType" FROM ${q(MEMBER_DELTA.stage)} m
         WHERE m."runId" = ${rid} AND m."relation" = '${rel}' AND m."removed" = false
         ON CONFLICT ("groupId", ${q(col)}) DO NOTHING`,
        tenantId,
      );
      // Row-value IN walks the primary key; EXISTS would scan every membership of the tenant.
      await wrote(
        -1,
        `DELETE FROM ${q(t.live)} WHERE ("groupId", ${q(col)}) IN (SELECT m."groupId", m."memberId" FROM ${q(MEMBER_DELTA.stage)} m
           WHERE m."runId" = ${rid} AND m."relation" = '${rel}' AND m."removed" = true)`,
      );
      // Objects deleted from the directory leave the groups they were in, and their own groups go with them. One IN
      // over both kinds: with `IN (groups) OR IN (users)` PostgreSQL filtered every membership of every tenant through
      // two hashed subplans (a sequential scan, 264 ms of a 100k tenant's delta); one IN is a semi-join through the
      // member's index.
      await wrote(-1, `DELETE FROM ${q(t.live)} WHERE "groupId" IN (${removed("group")})`);
      await wrote(
        -1,
        `DELETE FROM ${q(t.live)} WHERE ${q(col)} IN (SELECT r."id" FROM "SyncStageRemoved" r WHERE r."runId" = ${rid} AND r."kind" IN ('group', 'user'))`,
      );
    }
  }
  if (plan.users === "full" && plan.groups === "delta") {
    // Users were replaced wholesale: drop memberships of users that are gone.
    for (const [t, col, typeCol] of [
      [MEMBER, "memberId", "memberType"],
      [OWNER, "ownerId", "ownerType"],
    ] as const) {
      const n = await db.$executeRawUnsafe(
        `DELETE FROM ${q(t.live)} WHERE "tenantId" = ${p1} AND ${q(typeCol)} = 'user' AND NOT EXISTS (SELECT 1 FROM "DirUser" u WHERE u."id" = ${q(t.live)}.${q(col)})`,
        tenantId,
      );
      if (t === MEMBER && outcome.membershipChange !== undefined) outcome.membershipChange -= n;
    }
  }

  if (plan.activity && !together) {
    const cols = USER_ACTIVITY.columns.map((c) => c.name);
    await db.$executeRawUnsafe(
      `UPDATE "DirUser" SET ${cols.map((c) => `${q(c)} = s.${q(c)}`).join(", ")}
       FROM ${q(USER_ACTIVITY.stage)} s
       WHERE s."runId" = ${rid} AND s."id" = "DirUser"."id" AND (${cols.map((c) => d.distinct(`"DirUser".${q(c)}`, `s.${q(c)}`)).join(" OR ")})`,
    );
  }
  const changedUsers = `SELECT c."id" FROM "SyncStageUser" c WHERE c."runId" = ${rid}`;
  if (plan.managers && !together) {
    await db.$executeRawUnsafe(
      `UPDATE "DirUser" SET "managerId" = s."managerId" FROM ${q(USER_MANAGER.stage)} s
       WHERE s."runId" = ${rid} AND s."id" = "DirUser"."id" AND ${d.distinct(`"DirUser"."managerId"`, `s."managerId"`)}`,
    );
    const scope = plan.managers === "changed" ? ` AND "id" IN (${changedUsers})` : "";
    await db.$executeRawUnsafe(
      `UPDATE "DirUser" SET "managerId" = NULL WHERE "tenantId" = ${p1} AND "managerId" IS NOT NULL${scope}
         AND NOT EXISTS (SELECT 1 FROM ${q(USER_MANAGER.stage)} s WHERE s."runId" = ${rid} AND s."id" = "DirUser"."id")`,
      tenantId,
    );
  }
  // Whatever was read, a manager that left the directory is nobody's manager any more.
  await db.$executeRawUnsafe(
    `UPDATE "DirUser" SET "managerId" = NULL WHERE "tenantId" = ${p1} AND "managerId" IN (${removed("user")})`,
    tenantId,
  );

  if (plan.sponsors === "changed") {
    await db.$executeRawUnsafe(
      `DELETE FROM "DirSponsor" WHERE "tenantId" = ${p1} AND "userId" IN (${changedUsers})
         AND NOT EXISTS (SELECT 1 FROM ${q(SPONSOR.stage)} s WHERE s."runId" = ${rid} AND s."userId" = "DirSponsor"."userId" AND s."sponsorId" = "DirSponsor"."sponsorId")`,
      tenantId,
    );
    await upsertFromStage(db, d, SPONSOR, tenantId, runId);
  } else if (plan.sponsors) await replace(db, d, SPONSOR, tenantId, runId);
  await db.$executeRawUnsafe(
    `DELETE FROM "DirSponsor" WHERE "tenantId" = ${p1} AND ("userId" IN (${removed("user")}) OR "sponsorId" IN (${removed("user")}) OR "sponsorId" IN (${removed("group")}))`,
    tenantId,
  );
  if (plan.users === "full")
    await db.$executeRawUnsafe(
      `DELETE FROM "DirSponsor" WHERE "tenantId" = ${d.p(1)} AND "userId" NOT IN (SELECT "id" FROM "DirUser" WHERE "tenantId" = ${d.p(2)})`,
      tenantId,
      tenantId,
    );
  if (plan.apps && !plan.appsUnchanged) {
    await replace(db, d, SERVICE_PRINCIPAL, tenantId, runId);
    await replace(db, d, APP_ROLE_ASSIGNMENT, tenantId, runId);
    await replace(db, d, SP_OWNER, tenantId, runId);
    await replace(db, d, APP_OWNER, tenantId, runId);
  }
  // Principals Graph names by id only are classified as they are upserted, once users, groups and service principals
  // are written (an app holding a role is classified on the first sync too, #19): the upsert then rewrites no
  // unchanged row. (Left "unknown" and classified after the upsert, every row was written twice per sync: 3.0 s of a
  // 100k full sync's apply on PostgreSQL for PIM for Groups' 60,000 assignment schedules; classified by an UPDATE of
  // the staged rows, they were written twice in staging.)
  if (plan.roles) {
    await replace(db, d, ROLE_DEFINITION, tenantId, runId);
    await replace(db, d, ROLE_ASSIGNMENT, tenantId, runId, { classify: true });
  }
  if (plan.pim) {
    await replace(db, d, ROLE_SCHEDULE, tenantId, runId, { classify: true });
  }
  if (plan.pimGroups === "changed") {
    // Every eligibility was read: those not staged are gone. Assignment schedules were read only for the groups this
    // delta reported (./run-sync.ts fetchPimGroups): theirs not staged are gone, as are a removed group's; the other
    // groups' rows stay. (Copying them through staging instead cost about 1 s per delta on PostgreSQL.)
    await upsertFromStage(db, d, GROUP_SCHEDULE, tenantId, runId, { classify: true });
    // NOT IN, not NOT EXISTS: PostgreSQL planned NOT EXISTS from the staging table's statistics, which describe an
    // earlier run's rows (the table is emptied after every run), so it expected one staged row for this run and
    // compared each of the 4,428 live eligibilities at 300,000 users with all 33,855 staged rows (a nested loop
    // over the materialised rows, 75.8M comparisons: 2.6–2.9 s of that delta's 5.9 s apply under auto_explain, 40–58 ms
    // at 100,000 users, #20). NOT IN over a subquery is a hashed subplan there whatever the estimate: one read of the
    // staged ids. Both ids are primary-key columns, never NULL, so NOT IN means NOT EXISTS here.
    const missing = `"DirGroupSchedule"."id" NOT IN (SELECT s."id" FROM ${q(GROUP_SCHEDULE.stage)} s WHERE s."runId" = ${rid})`;
    await db.$executeRawUnsafe(
      `DELETE FROM "DirGroupSchedule" WHERE "tenantId" = ${p1} AND "kind" = 'eligible' AND ${missing}`,
      tenantId,
    );
    await db.$executeRawUnsafe(
      `DELETE FROM "DirGroupSchedule" WHERE "tenantId" = ${p1} AND "kind" = 'active'
         AND ("groupId" IN (${deltaGroupsSql(rid)}) OR "groupId" IN (${removed("group")}))
         AND ${missing}`,
      tenantId,
    );
  } else if (plan.pimGroups) await replace(db, d, GROUP_SCHEDULE, tenantId, runId, { classify: true });
  // Assignment schedules kept from an earlier run (groups this delta did not report) whose principal was unknown then
  // are classified now; every other row was classified as it was upserted above.
  if (plan.pimGroups === "changed") await classifyPrincipals(db, d, "DirGroupSchedule", tenantId);
  if (plan.mfa === "changed") {
    // Graph lists enabled users only: rows of users removed or disabled by this delta go. One IN over both: with
    // `IN (removed) OR IN (disabled)` PostgreSQL filtered every registration through two hashed subplans (a sequential
    // scan of 97,000 rows, 85–110 ms of a 100k tenant's delta); one IN probes the primary key per user.
    await db.$executeRawUnsafe(
      `DELETE FROM "DirMfaRegistration" WHERE "tenantId" = ${p1} AND "userId" IN (${removed("user")}
         UNION ALL SELECT c."id" FROM "SyncStageUser" c WHERE c."runId" = ${rid} AND c."accountEnabled" = false)`,
      tenantId,
    );
  } else if (plan.mfa) await replace(db, d, MFA, tenantId, runId);
  if (plan.policies) await replace(db, d, CA_POLICY, tenantId, runId);
  if (plan.organization) await replace(db, d, ORGANIZATION, tenantId, runId);
  void REMOVED;
  return outcome;
}

/** Deletes the staging rows of the given runs (or of every run of the tenant except `keep`). */
export async function clearStaging(
  db: SqlRunner,
  d: Dialect,
  opts: { runId: string } | { tenantId: string; keep: string },
): Promise<void> {
  for (const t of STAGE_TABLES) {
    if ("runId" in opts && d.engine === "postgresql") {
      // Nobody else staging (the usual case): TRUNCATE, under a lock that keeps another run from staging between the
      // look and the truncate. A DELETE left a million dead rows that the next run's statements on the table read
      // through until autovacuum came (a 100k delta after a full sync: 0.85 s in the start's leftover check, 0.4 s
      // classifying its principals). One statement: its own transaction; a run staging elsewhere waits for it. An
      // empty table is left alone: a delta stages into a few tables only.
      const rid = runIdLiteral(opts.runId);
      try {
        await db.$executeRawUnsafe(
          `DO $$ BEGIN
             LOCK TABLE ${q(t.stage)} IN ACCESS EXCLUSIVE MODE;
             IF EXISTS (SELECT 1 FROM ${q(t.stage)} WHERE "runId" <> ${rid}) THEN
               DELETE FROM ${q(t.stage)} WHERE "runId" = ${rid};
             ELSIF EXISTS (SELECT 1 FROM ${q(t.stage)}) THEN
               TRUNCATE ${q(t.stage)};
             END IF;
           END $$`,
        );
      } catch {
        // The lock not had in time (another run's long transaction on the table): this run's rows only.
        await db.$executeRawUnsafe(`DELETE FROM ${q(t.stage)} WHERE "runId" = ${rid}`);
      }
    } else if ("runId" in opts) {
      // Nobody else staging (the usual case): an unqualified DELETE, which SQLite turns into a truncate.
      const others = await select(
        db,
        `SELECT 1 AS x FROM ${q(t.stage)} WHERE "runId" <> ${runIdLiteral(opts.runId)} LIMIT 1`,
      );
      await db.$executeRawUnsafe(
        `DELETE FROM ${q(t.stage)}${others.length ? ` WHERE "runId" = ${runIdLiteral(opts.runId)}` : ""}`,
      );
    } else
      await db.$executeRawUnsafe(
        `DELETE FROM ${q(t.stage)} WHERE "runId" IN (SELECT "id" FROM "SyncRun" WHERE "tenantId" = ${d.p(1)} AND "id" <> ${d.p(2)})`,
        opts.tenantId,
        opts.keep,
      );
  }
}

export interface DirectoryCounts {
  users: number;
  members: number;
  guests: number;
  disabled: number;
  groups: number;
  roleAssignableGroups: number;
  memberships: number;
  owners: number;
  sponsors: number;
  usersWithManager: number;
  roleDefinitions: number;
  roleAssignments: number;
  roleEligibilities: number;
  groupEligibilities: number;
  servicePrincipals: number;
  appRoleAssignments: number;
  servicePrincipalOwners: number;
  applicationOwners: number;
  registrationDetails: number;
  mfaRegistered: number;
  policies: number;
  organization: number;
}

/** Aggregate counts of what the live tables hold for a tenant (names follow the emulator's summary). */
export async function countDirectory(
  db: SqlRunner,
  d: Dialect,
  tenantId: string,
  known: { memberships?: number } = {},
): Promise<DirectoryCounts> {
  const p = d.p(1);
  // One pass per table: its counts as aggregates with FILTER (PostgreSQL, and SQLite since 3.30), not one scan per
  // count (the users were scanned five times, 0.3–0.4 s of every sync's end on PostgreSQL at 100k users).
  const counts: [string, [string, string?][]][] = [
    [
      "DirUser",
      [
        ["users"],
        ["members", `"userType" = 'Member'`],
        ["guests", `"userType" = 'Guest'`],
        ["disabled", `"accountEnabled" = false`],
        ["usersWithManager", `"managerId" IS NOT NULL`],
      ],
    ],
    ["DirGroup", [["groups"], ["roleAssignableGroups", `"isAssignableToRole" = true`]]],
    ...(known.memberships === undefined
      ? ([["DirGroupMember", [["memberships"]]]] as [string, [string, string?][]][])
      : []),
    ["DirGroupOwner", [["owners"]]],
    ["DirSponsor", [["sponsors"]]],
    ["DirRoleDefinition", [["roleDefinitions"]]],
    ["DirRoleAssignment", [["roleAssignments"]]],
    ["DirRoleSchedule", [["roleEligibilities", `"kind" = 'eligible'`]]],
    ["DirGroupSchedule", [["groupEligibilities", `"kind" = 'eligible'`]]],
    ["DirServicePrincipal", [["servicePrincipals"]]],
    ["DirAppRoleAssignment", [["appRoleAssignments"]]],
    ["DirServicePrincipalOwner", [["servicePrincipalOwners"]]],
    ["DirApplicationOwner", [["applicationOwners"]]],
    ["DirMfaRegistration", [["registrationDetails"], ["mfaRegistered", `"isMfaRegistered" = true`]]],
    ["DirCaPolicy", [["policies"]]],
    ["DirOrganization", [["organization"]]],
  ];
  const sql = `SELECT * FROM ${counts
    .map(
      ([table, cols], i) =>
        `(SELECT ${cols.map(([name, where]) => `COUNT(*)${where ? ` FILTER (WHERE ${where})` : ""} AS ${q(name)}`).join(", ")} FROM ${q(table)} WHERE "tenantId" = ${p}) t${i}`,
    )
    .join(" CROSS JOIN ")}`;
  // PostgreSQL numbers a repeated $1 once; SQLite's ? needs one value per occurrence.
  const n = d.engine === "sqlite" ? (sql.match(/\?/g) ?? []).length : 1;
  const [row] = await select<Record<string, number | string>>(db, sql, ...Array<string>(n).fill(tenantId));
  const out = {} as Record<string, number>;
  for (const [k, v] of Object.entries(row ?? {})) out[k] = Number(v);
  if (known.memberships !== undefined) out.memberships = known.memberships;
  return out as unknown as DirectoryCounts;
}
