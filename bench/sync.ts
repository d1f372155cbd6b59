/**
 * `npm run bench -- sync [--users 100000] [--json] [--keep] [--engine sqlite|postgresql]`
 * Emulator (child process) with N users → full sync into a fresh database → 1% changes through the control endpoint →
 * delta sync. Floors measured in the same run: fetch-only (the same Graph queries, pages thrown away) and raw insert
 * (the same rows written into a second fresh database by the engine's fastest path: prepared multi-row INSERTs
 * through better-sqlite3, or COPY FROM STDIN on PostgreSQL). The minimum number of requests is computed from the
 * tenant's counts and Graph's page-size maxima (`minimumPages`), not from the sync's own queries.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import path from "node:path";
import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { createClient } from "../lib/db/client";
import { dialectOf, type SqlRunner } from "../lib/db/sql";
import { sqliteFile } from "../lib/db/migrate";
import { migrate } from "../lib/db/migrate";
import type { SyncGraph } from "../lib/sync/graph-port";
import { createSyncGraph } from "../lib/connection/graph-client";
import { sqliteDriver } from "../lib/db/sqlite-driver";
import { GROUP_SELECT, SP_SELECT, USER_SELECT } from "../lib/sync/map";
import { runSync } from "../lib/sync/run-sync";
import { LIVE_TABLES } from "../lib/sync/tables";
import { benchDatabase, engineFlag, serverSettings } from "./lib/database";
import { emit, flags, target, verdict, withPeakRss } from "./lib/report";

const TENANT = "8c3dad1d-b6bc-4f8b-939b-8263372eced6";
const CLIENT_ID = "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const SECRET = "recert-demo-client-secret";
const ADMIN_KEY = "emulator-admin-key";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startEmulatorChild(users: number): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      path.join("node_modules", "tsx", "dist", "cli.mjs"),
      "emulator/main.ts",
      "--port",
      String(port),
      "--users",
      String(users),
    ],
    {
      env: {
        PATH: process.env.PATH ?? "",
        NODE_OPTIONS: "--max-old-space-size=4096",
        EMULATOR_PUBLIC_URL: url,
        ENTRA_TENANT_ID: TENANT,
        AUTH_MICROSOFT_ENTRA_ID_ID: CLIENT_ID,
        AUTH_MICROSOFT_ENTRA_ID_SECRET: SECRET,
      } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let exited = false;
  child.on("exit", (code, signal) => {
    exited = true;
    if (!child.killed)
      console.error(`bench: the emulator exited (code ${code}, signal ${signal}); the run cannot finish`);
  });
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error("emulator exited during start-up");
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child };
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error("emulator did not start within 10 minutes");
}

async function control(
  url: string,
  method: string,
  p: string,
  body?: unknown,
  attempt = 0,
): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(`${url}/_emulator${p}`, {
      method,
      headers: { "x-emulator-admin-key": ADMIN_KEY, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    // A keep-alive connection closed under us: retry a few times.
    if (attempt < 3) return control(url, method, p, body, attempt + 1);
    throw e;
  }
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** The sync's queries, pages discarded (ids kept only to address the per-object calls). */
async function fetchOnly(graph: SyncGraph): Promise<number> {
  let pages = 0;
  const guests: string[] = [];
  const sps: string[] = [];
  const apps: string[] = [];
  const roleAssignable: string[] = [];
  const drain = async (it: AsyncIterable<unknown[]>, keep?: (o: Record<string, unknown>) => void) => {
    for await (const page of it) {
      pages++;
      if (keep) for (const o of page as Record<string, unknown>[]) keep(o);
    }
  };
  const drainDelta = async (
    resource: "users" | "groups",
    select: string[],
    keep?: (o: Record<string, unknown>) => void,
  ) => {
    for await (const page of graph.delta<Record<string, unknown>>(resource, { select })) {
      pages++;
      if (keep) for (const o of page.items) keep(o);
    }
  };
  // 20 to a $batch, 4 in flight; a list's further pages join the queue from their nextLinks, as the sync does.
  const batched = async (paths: string[]) => {
    const queue = [...paths];
    let inFlight = 0;
    let wake: (() => void)[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (;;) {
          if (queue.length === 0) {
            if (inFlight === 0) return;
            await new Promise<void>((r) => wake.push(r));
            continue;
          }
          const c = queue.splice(0, 20);
          inFlight++;
          try {
            const res = await graph.batch<{ "@odata.nextLink"?: string }>(
              c.map((url, k) => ({ id: String(k + 1), method: "GET" as const, url })),
            );
            pages++;
            for (const r of res.values()) {
              const next = r.body?.["@odata.nextLink"];
              if (typeof next === "string") queue.push(next);
            }
          } finally {
            inFlight--;
            const w = wake;
            wake = [];
            for (const r of w) r();
          }
        }
      }),
    );
  };
  await Promise.all([
    drainDelta("users", USER_SELECT, (o) => o.userType === "Guest" && guests.push(String(o.id))).then(() =>
      batched(guests.map((id) => `/users/${id}/sponsors?$select=id`)),
    ),
    drainDelta("groups", GROUP_SELECT, (o) => o.isAssignableToRole === true && roleAssignable.push(String(o.id))).then(
      () =>
        // PIM for Groups: each role-assignable group's eligibilities and assignments, 20 to a $batch, no $top
        // (these lists document none).
        batched(
          roleAssignable.flatMap((id) =>
            ["eligibilitySchedules", "assignmentSchedules"].map(
              (l) =>
                `/identityGovernance/privilegedAccess/group/${l}?$filter=${encodeURIComponent(`groupId eq '${id}'`)}`,
            ),
          ),
        ),
    ),
    drain(graph.pages("/roleManagement/directory/roleEligibilitySchedules")),
    drain(graph.pages("/roleManagement/directory/roleAssignmentSchedules")),
    drain(graph.pages("/users", { select: ["id", "signInActivity"], top: 500 })),
    drain(graph.pages("/users", { select: ["id"], expand: "manager($select=id)", top: 999 })),
    drain(graph.pages("/roleManagement/directory/roleDefinitions")).then(() =>
      drain(graph.pages("/roleManagement/directory/roleAssignments")),
    ),
    drain(graph.pages("/servicePrincipals", { select: SP_SELECT, top: 999 }), (o) => sps.push(String(o.id))).then(() =>
      batched([
        ...sps.map((id) => `/servicePrincipals/${id}/appRoleAssignedTo?$top=999`),
        ...sps.map((id) => `/servicePrincipals/${id}/owners?$select=id&$top=999`),
      ]),
    ),
    // App registrations and their owners (#19), as the sync reads them.
    drain(graph.pages("/applications", { select: ["id", "appId"], top: 999 }), (o) => apps.push(String(o.id))).then(
      () => batched(apps.map((id) => `/applications/${id}/owners?$select=id&$top=999`)),
    ),
    drain(graph.pages("/reports/authenticationMethods/userRegistrationDetails", { top: 999 })),
    drain(graph.pages("/identity/conditionalAccess/policies")),
    drain(graph.pages("/organization")),
  ]);
  return pages;
}

interface TenantCounts {
  users: number;
  guests: number;
  groups: number;
  roleAssignableGroups: number;
  roleDefinitions: number;
  roleAssignments: number;
  roleEligibilities: number;
  servicePrincipals: number;
  registrationDetails: number;
  /** the lengths of the per-object lists (see tenantSummary in emulator/tenant/generate.ts) */
  lists: {
    groupEligibilities: number[];
    groupAssignments: number[];
    appRoleAssignedTo: number[];
    applicationOwners: number[];
  };
}

/**
 * The fewest Graph requests that can read this tenant, from its counts and the largest page each endpoint serves,
 * independent of how the sync asks (#20): a floor no sync can beat, so a sync that pages badly cannot look good.
 * - users/delta: 200 objects a page, the cap whatever `odata.maxpagesize` asks (Microsoft Q&A 2052165: "200 for
 *   objects, such as users"); groups/delta: 100 groups a page in the emulator, member lists only add pages;
 * - `$top` 999 on list endpoints (Graph's paging guidance), 500 with `signInActivity` (the emulator's cap, as Graph's
 *   user list refuses larger pages with that property);
 * - per-object lists (a guest's sponsors, a service principal's appRoleAssignedTo and owners, an app registration's
 *   owners, PIM for Groups) 20 requests to a `$batch` (Graph's JSON batching limit), a list's further pages too (from
 *   its nextLink): a family of lists needs at least its pages over 20, and at least its longest list's pages (each
 *   waits for the one before);
 * - one page each for the conditional-access policies, the organization and the role definitions of a normal tenant;
 * - PIM: the role eligibility and assignment schedules at 999 a page; for groups, two lists per role-assignable group
 *   (Graph lists them only per group): eligibilities and assignment schedules (one per member and owner), at 100 a
 *   page. These lists document no `$top` (privilegedaccessgroup-list-assignmentschedules: "$select, $filter and
 *   $expand") and no page size; 100 is the emulator's page without `$top`. Both lists of every group can share one
 *   queue of batches.
 */
export function minimumPages(c: TenantCounts): number {
  const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));
  const batchedLists = (lengths: number[], size: number) => {
    const each = lengths.map((n) => pages(n, size));
    return Math.max(Math.ceil(each.reduce((a, b) => a + b, 0) / 20), ...each, 0);
  };
  return (
    pages(c.users, 200) + // users/delta
    pages(c.groups, 100) + // groups/delta with members
    pages(c.users, 500) + // signInActivity
    pages(c.users, 999) + // managers ($expand)
    Math.ceil(c.guests / 20) + // sponsors, batched
    pages(c.roleDefinitions, 999) +
    pages(c.roleAssignments, 999) +
    pages(c.roleEligibilities, 999) + // PIM eligibilities
    pages(c.roleAssignments, 999) + // PIM assignment schedules (every active assignment)
    batchedLists([...c.lists.groupEligibilities, ...c.lists.groupAssignments], 100) + // PIM for Groups, one queue
    pages(c.servicePrincipals, 999) +
    batchedLists(c.lists.appRoleAssignedTo, 999) +
    Math.ceil(c.servicePrincipals / 20) + // owners, batched
    pages(c.lists.applicationOwners.length, 999) + // app registrations
    batchedLists(c.lists.applicationOwners, 999) + // their owners
    pages(c.registrationDetails, 999) +
    1 + // conditional-access policies
    1 // organization
  );
}

/** A few pages of every endpoint, untimed, so the emulator's code is warm for the syncs and the floors alike. */
async function warmUp(graph: SyncGraph): Promise<void> {
  const take = async (it: AsyncIterable<unknown>, n = 3) => {
    let i = 0;
    for await (const _ of it) if (++i >= n) break;
  };
  await take(graph.delta("users", { select: USER_SELECT }));
  await take(graph.delta("groups", { select: GROUP_SELECT }));
  await take(graph.pages("/users", { select: ["id", "signInActivity"], top: 500 }));
  await take(graph.pages("/users", { select: ["id"], expand: "manager($select=id)", top: 999 }));
  await take(graph.pages("/reports/authenticationMethods/userRegistrationDetails", { top: 999 }));
  const sps: string[] = [];
  for await (const page of graph.pages<Record<string, unknown>>("/servicePrincipals", { select: SP_SELECT, top: 999 }))
    for (const o of page) sps.push(String(o.id));
  await graph.batch(
    sps.slice(0, 20).map((id, k) => ({
      id: String(k + 1),
      method: "GET" as const,
      url: `/servicePrincipals/${id}/appRoleAssignedTo?$top=999`,
    })),
  );
}

/** Bulk insert of the synced rows into a fresh database through the driver: the write floor. */
async function rawInsert(fromUrl: string, toUrl: string): Promise<{ ms: number; rows: number }> {
  return fromUrl.startsWith("file:")
    ? rawInsertSqlite(sqliteFile(fromUrl), sqliteFile(toUrl))
    : rawInsertPostgres(fromUrl, toUrl);
}

/**
 * PostgreSQL's floor: every live table's rows read out first as COPY text (not timed), then written by COPY … FROM
 * STDIN into the fresh database in one transaction (timed): the engine's fastest way in, with the same indexes.
 */
async function rawInsertPostgres(fromUrl: string, toUrl: string): Promise<{ ms: number; rows: number }> {
  const src = new pg.Client({ connectionString: fromUrl });
  const dst = new pg.Client({ connectionString: toUrl });
  await src.connect();
  await dst.connect();
  try {
    const data: { table: string; text: Buffer; rows: number }[] = [];
    for (const t of LIVE_TABLES) {
      const chunks: Buffer[] = [];
      const out = src.query(copyTo(`COPY "${t.live}" TO STDOUT`));
      await new Promise<void>((resolve, reject) => {
        out.on("data", (b: Buffer) => chunks.push(b));
        out.on("end", resolve);
        out.on("error", reject);
      });
      const text = Buffer.concat(chunks);
      let rows = 0;
      for (const b of text) if (b === 10) rows++;
      data.push({ table: t.live, text, rows });
    }
    let rows = 0;
    const t0 = performance.now();
    await dst.query("BEGIN");
    for (const d of data) {
      if (!d.rows) continue;
      const into = dst.query(copyFrom(`COPY "${d.table}" FROM STDIN`));
      await new Promise<void>((resolve, reject) => {
        into.on("finish", resolve);
        into.on("error", reject);
        into.end(d.text);
      });
      rows += d.rows;
    }
    await dst.query("COMMIT");
    return { ms: performance.now() - t0, rows };
  } finally {
    await src.end();
    await dst.end();
  }
}

function rawInsertSqlite(fromFile: string, toFile: string): { ms: number; rows: number } {
  const Database = sqliteDriver();
  const src = new Database(fromFile, { readonly: true });
  const dst = new Database(toFile);
  dst.pragma("journal_mode = WAL");
  const data = LIVE_TABLES.map((t) => ({
    table: t.live,
    rows: src.prepare(`SELECT * FROM "${t.live}"`).raw(true).all() as unknown[][],
    cols: src
      .prepare(`SELECT * FROM "${t.live}" LIMIT 1`)
      .columns()
      .map((c) => c.name),
  }));
  src.close();
  let rows = 0;
  const t0 = performance.now();
  dst.transaction(() => {
    for (const { table, rows: rs, cols } of data) {
      if (!rs.length) continue;
      const per = Math.max(1, Math.floor(30_000 / cols.length));
      const tuple = `(${cols.map(() => "?").join(",")})`;
      const full = dst.prepare(
        `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(",")}) VALUES ${Array(Math.min(per, rs.length)).fill(tuple).join(",")}`,
      );
      for (let i = 0; i < rs.length; i += per) {
        const part = rs.slice(i, i + per);
        const stmt =
          part.length === Math.min(per, rs.length)
            ? full
            : dst.prepare(
                `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(",")}) VALUES ${Array(part.length).fill(tuple).join(",")}`,
              );
        stmt.run(part.flat() as unknown[]);
        rows += part.length;
      }
    }
  })();
  const ms = performance.now() - t0;
  dst.close();
  return { ms, rows };
}

async function applyChanges(url: string, db: SqlRunner, users: number): Promise<number> {
  const n = Math.max(5, Math.round(users / 100));
  const d = dialectOf(db);
  const userIds = (
    await db.$queryRawUnsafe<{ id: string }[]>(
      `SELECT "id" FROM "DirUser" WHERE "userType" = 'Member' ORDER BY "id" LIMIT ${n * 2}`,
    )
  ).map((r) => r.id);
  const groupIds = (
    await db.$queryRawUnsafe<{ id: string }[]>(
      `SELECT "id" FROM "DirGroup" WHERE "isDynamic" = ${d.bool(false)} AND "kind" = 'security' ORDER BY "id" LIMIT 50`,
    )
  ).map((r) => r.id);
  const memberships = await db.$queryRawUnsafe<{ groupId: string; memberId: string }[]>(
    `SELECT m."groupId", m."memberId" FROM "DirGroupMember" m JOIN "DirGroup" g ON g."id" = m."groupId" WHERE g."isDynamic" = ${d.bool(false)} AND g."kind" = 'security' LIMIT ${n}`,
  );
  const ops: (() => Promise<unknown>)[] = [];
  const tag = randomBytes(3).toString("hex");
  for (let i = 0; i < n; i++) {
    const kind = i % 10;
    const u = userIds[i % userIds.length]!;
    if (kind < 4)
      ops.push(() => control(url, "PATCH", `/users/${userIds[n + i]}`, { department: `Bench ${tag} ${i}` }));
    else if (kind < 6)
      ops.push(() =>
        control(url, "POST", "/users", {
          displayName: `Bench User ${i}`,
          userPrincipalName: `bench.${tag}.${i}@contoso.onmicrosoft.com`,
        }),
      );
    else if (kind < 7) ops.push(() => control(url, "DELETE", `/users/${u}`));
    else if (kind < 9)
      ops.push(() =>
        control(url, "POST", `/groups/${groupIds[i % groupIds.length]}/members`, { id: userIds[n + i] }).catch(
          () => undefined,
        ),
      );
    else {
      const m = memberships[i % memberships.length];
      if (m)
        ops.push(() => control(url, "DELETE", `/groups/${m.groupId}/members/${m.memberId}`).catch(() => undefined));
    }
  }
  let k = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (k < ops.length) await ops[k++]!();
    }),
  );
  return ops.length;
}

export async function run(argv: string[]): Promise<number> {
  const f = flags(argv);
  const users = Number(f.users ?? 2000);
  const json = f.json === "true";
  const log = (s: string) => !json && console.error(s);
  const startedAt = new Date().toISOString();
  log(`starting the emulator with ${users} users…`);
  const engine = engineFlag(f);
  const { url, child } = await startEmulatorChild(users);
  const main = await benchDatabase(engine, "sync");
  const rawDb = await benchDatabase(engine, "sync_raw");
  log(`databases: ${main.label}, ${rawDb.label}`);
  try {
    const summary = await control(url, "GET", "/summary");
    const { lists: _lists, ...counts } = summary; // the per-object list lengths feed minimumPages, not the report
    const graph = () =>
      createSyncGraph({
        baseUrl: url,
        authorityHost: url,
        tenantId: TENANT,
        clientId: CLIENT_ID,
        clientSecret: SECRET,
      });

    log("warming the emulator up…");
    await warmUp(graph());
    // The syncs run first, in a fresh process, so their peak RSS is theirs; the floors follow.
    await migrate(main.url);
    await migrate(rawDb.url);
    const db = createClient(main.url);
    log("full sync…");
    const full = await withPeakRss(() =>
      runSync({ db, graph: graph(), tenantId: TENANT, trigger: "cli", mode: "full", databaseUrl: main.url }),
    );
    if (full.result.status !== "succeeded")
      throw new Error(`full sync ${full.result.status}: ${full.result.errors.join("; ")}`);

    log("1% changes…");
    const changes = await applyChanges(url, db, users);
    log("delta sync…");
    const delta = await withPeakRss(() =>
      runSync({ db, graph: graph(), tenantId: TENANT, trigger: "cli", databaseUrl: main.url }),
    );
    if (delta.result.status !== "succeeded")
      throw new Error(`delta sync ${delta.result.status}: ${delta.result.errors.join("; ")}`);

    log("fetch-only floor…");
    const fg = graph();
    const fetchT0 = performance.now();
    const fetchOnlyPages = await fetchOnly(fg);
    const fetchOnlyMs = performance.now() - fetchT0;
    const minPages = minimumPages(summary as unknown as TenantCounts);

    log("raw insert floor…");
    await db.$disconnect();
    const raw = await rawInsert(main.url, rawDb.url);

    const peakRssMb = Math.max(full.peakRssMb, delta.peakRssMb);
    const report = {
      suite: "sync",
      startedAt,
      params: {
        users,
        engine,
        emulator: "child process",
        tenant: counts,
        changes,
        server: await serverSettings(main.url),
      },
      measurements: {
        fullSyncMs: Math.round(full.ms),
        deltaSyncMs: Math.round(delta.ms),
        fullRequests: full.result.requests,
        deltaRequests: delta.result.requests,
        fullRetries: full.result.retries,
        deltaRetries: delta.result.retries,
        peakRssMb: Math.round(peakRssMb),
        rowsWritten: raw.rows,
        fullFetchMs: full.result.manifest.timings.fetchMs ?? 0,
        fullApplyMs: full.result.manifest.timings.applyMs ?? 0,
        fullCleanupMs: full.result.manifest.timings.cleanupMs ?? 0,
        deltaFetchMs: delta.result.manifest.timings.fetchMs ?? 0,
        deltaApplyMs: delta.result.manifest.timings.applyMs ?? 0,
      },
      floors: {
        fetchOnlyMs: Math.round(fetchOnlyMs),
        rawInsertMs: Math.round(raw.ms),
        minPages,
        fetchOnlyPages,
        fetchOnlyRequests: fg.stats.requests,
      },
      targets: [
        target("full sync ≤ 1.5 × (fetch-only + raw insert)", full.ms, 1.5 * (fetchOnlyMs + raw.ms), "ms"),
        target("full-sync requests ≤ 1.1 × minimum pages", full.result.requests, 1.1 * minPages, "req"),
        target("delta sync ≤ 10% of full sync", delta.ms, 0.1 * full.ms, "ms"),
        // Memory grows with the tenant: 1 GB per 100,000 users, never less than 1 GB (#20's 300k tenant).
        target(`peak RSS < ${rssLimitMb(users)} MB`, peakRssMb, rssLimitMb(users), "MB"),
      ],
      notes: [
        "minimum pages = computed from the tenant's counts and Graph's page-size maxima (see minimumPages in bench/sync.ts), not from the sync's queries",
      ],
      // Each Graph query's pages, items and time to its last page (they overlap), slowest first.
      detail: {
        fullQueries: [...full.result.manifest.queries].sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0)),
        deltaQueries: [...delta.result.manifest.queries].sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0)),
      },
    };
    emit(report, json);
    return verdict(report);
  } finally {
    child.kill();
    if (f.keep !== "true") {
      await main.drop();
      await rawDb.drop();
    } else log(`kept: ${main.label}, ${rawDb.label}`);
  }
}

/** The peak-memory limit at this tenant size: 1 GB at up to 100,000 users, then in proportion (#20). */
export function rssLimitMb(users: number): number {
  return Math.round(1024 * Math.max(1, users / 100_000));
}
