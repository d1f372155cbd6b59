/**
 * Database and process faults (#8): the database locked by another writer, or gone in the middle of a write;
 * the sync process and the scheduler (while applying revocations) killed outright. Each ends with a clear
 * message, nothing half-written, and the next attempt succeeds. Real database (both engines), real emulator,
 * real child processes for the kills.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { verifyChain } from "@/lib/audit";
import { sqliteFile } from "@/lib/db/migrate";
import { runSync } from "@/lib/sync/run-sync";
import { expectExact, setup } from "@/tests/support/emulator-fixture";
import {
  applyCampaign,
  createCampaign,
  decide,
  quarterlyPreset,
  startCampaign,
  type Actor,
  type Ctx,
} from "@/lib/reviews";
import { createClient, sqliteHandleOf } from "./client";
import { engineOfUrl } from "./sql";
import { databaseFault, databaseFaultMessage } from "./errors";

let s: Awaited<ReturnType<typeof setup>>;
let ctx: Ctx;
const ADMIN: Actor = { id: "admin-oid", name: "Ada Admin", role: "admin" };
const root = path.resolve(import.meta.dirname, "../..");
const pgUrl = () => engineOfUrl(s.database.url) === "postgresql";

beforeAll(async () => {
  s = await setup({ users: 400 });
  ctx = s.ctx;
  expect(
    (
      await runSync({
        db: s.db,
        graph: s.graph(),
        tenantId: s.tenantId,
        databaseUrl: s.database.url,
        trigger: "manual",
      })
    ).status,
  ).toBe("succeeded");
});
afterAll(async () => {
  await s?.close();
});

/** Another writer holding the database (SQLite) or the named tables (PostgreSQL) until release(). */
async function holdWriteLock(tables: string[]): Promise<{ release(): Promise<void> }> {
  if (pgUrl()) {
    const c = new pg.Client({ connectionString: s.database.url });
    await c.connect();
    await c.query("BEGIN");
    await c.query(`LOCK TABLE ${tables.map((t) => `"${t}"`).join(", ")} IN EXCLUSIVE MODE`);
    return {
      async release() {
        await c.query("ROLLBACK");
        await c.end();
      },
    };
  }
  const h = new Database(sqliteFile(s.database.url));
  h.exec("BEGIN IMMEDIATE");
  return {
    async release() {
      h.exec("ROLLBACK");
      h.close();
    },
  };
}

/**
 * SIGKILL to the child's whole process group: tsx and the react-server re-exec each run the script in a
 * child process, and killing only the top one would leave the worker running.
 */
async function killGroup(child: ChildProcess): Promise<void> {
  const alive = () => {
    try {
      process.kill(-child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(-child.pid!, "SIGKILL");
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(alive()).toBe(false);
}

/** A fingerprint of everything a review write touches. */
async function reviewState(campaignId: string) {
  const [items, audit, campaign, reviewers] = await Promise.all([
    s.db.campaignItem.findMany({
      where: { campaignId },
      orderBy: { ordinal: "asc" },
      select: { id: true, decision: true, version: true, decidedById: true },
    }),
    s.db.auditEvent.count(),
    s.db.campaign.findUnique({ where: { id: campaignId }, select: { status: true, version: true, itemCount: true } }),
    s.db.campaignItemReviewerOverride.count({ where: { campaignId } }),
  ]);
  return JSON.stringify({ items, audit, campaign, reviewers });
}

describe("the database locked by another writer", () => {
  let campaignId = "";

  test("a campaign start waits for the lock, then fails as busy: still a draft with no items; it starts once the lock is gone", async () => {
    const preset = quarterlyPreset(new Date());
    preset.config.scope = { kind: "allGroups", groupIds: [] };
    preset.config.stages = [
      { reviewers: "managers", chosenIds: [], fallbackIds: [], durationDays: 14, advance: ["approve"] },
    ];
    preset.config.justification = { onApprove: false, onRevoke: false };
    ({ campaignId } = await createCampaign(ctx, ADMIN, preset));
    const before = await reviewState(campaignId);

    const impatient = createClient(s.database.url, { lockTimeoutMs: 300 });
    const lock = await holdWriteLock(["Campaign", "CampaignItem", "AuditEvent"]);
    const t0 = Date.now();
    const err = await startCampaign({ ...ctx, db: impatient as never }, ADMIN, campaignId).catch((e: unknown) => e);
    const waited = Date.now() - t0;
    await lock.release();
    expect(err).toBeInstanceOf(Error);
    expect(databaseFault(err)).toBe("busy");
    expect(databaseFaultMessage(err)).toMatch(/busy.*Nothing was saved/s);
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(await reviewState(campaignId)).toBe(before);

    const started = await startCampaign({ ...ctx, db: impatient as never }, ADMIN, campaignId);
    expect(started.itemCount).toBeGreaterThan(100);
    await impatient.$disconnect();
  });

  test("a decision waits for the lock, then fails as busy and saves nothing; the same decision then lands once", async () => {
    const rows = await s.db.campaignItemReviewer.findMany({
      where: { campaignId, stage: 1, relation: "manager" },
      select: { reviewerId: true, itemId: true },
      take: 200,
    });
    const reviewerId = rows[0]!.reviewerId;
    const itemIds = rows.filter((r) => r.reviewerId === reviewerId).map((r) => r.itemId);
    expect(itemIds.length).toBeGreaterThan(0);
    const reviewer: Actor = { id: reviewerId, name: "R", role: "reviewer" };
    const before = await reviewState(campaignId);

    const impatient = createClient(s.database.url, { lockTimeoutMs: 300 });
    const lock = await holdWriteLock(["CampaignItem", "AuditEvent"]);
    const err = await decide({ ...ctx, db: impatient as never }, reviewer, {
      campaignId,
      itemIds,
      decision: "revoke",
      justification: "Left the team",
    }).catch((e: unknown) => e);
    await lock.release();
    expect(databaseFault(err)).toBe("busy");
    expect(await reviewState(campaignId)).toBe(before);

    const r = await decide({ ...ctx, db: impatient as never }, reviewer, {
      campaignId,
      itemIds,
      decision: "revoke",
      justification: "Left the team",
    });
    expect(r.decided).toBe(itemIds.length);
    const after = await s.db.campaignItem.findMany({
      where: { id: { in: itemIds } },
      select: { decision: true, version: true },
    });
    expect(after.every((i) => i.decision === "revoke" && i.version === 1)).toBe(true);
    expect(await s.db.auditEvent.count({ where: { action: "decision.record", targetId: { in: itemIds } } })).toBe(
      itemIds.length,
    );
    expect((await verifyChain(s.db)).ok).toBe(true);
    await impatient.$disconnect();
  });
});

describe("the database gone in the middle of a write", () => {
  test("a sync cut off while applying (PostgreSQL: connections terminated; SQLite: disk full) fails with a clear reason, the previous directory stays, and the next run is exact", async () => {
    // No free pages left in the file, so the apply must grow it (SQLite).
    if (!pgUrl()) await s.db.$executeRawUnsafe("VACUUM");
    const before = await s.db.dirUser.count();
    await s.control("POST", "/users", {
      displayName: "Ada Gone",
      userPrincipalName: "ada.gone@contoso.onmicrosoft.com",
    });
    // And enough joiners that their rows outgrow the free room of the users table's last page, whatever the page size
    // (one user fitted in a 16 KiB page: the file did not have to grow, and the cut did not bite).
    for (let i = 0; i < 100; i++)
      await s.control("POST", "/users", {
        displayName: `Gone Joiner ${i}`,
        userPrincipalName: `gone.joiner.${i}@contoso.onmicrosoft.com`,
      });
    const victim = createClient(s.database.url);
    let cut = false;
    // PostgreSQL: a connection opened before the run holds a SHARE lock on the users table, so the apply's first write
    // of a user waits for it and the cut always lands inside the apply's transaction. (Without it a fast apply could
    // commit before the termination below arrived, and the run succeeded.)
    const admin = pgUrl() ? new pg.Client({ connectionString: s.database.url }) : undefined;
    if (admin) {
      await admin.connect();
      await admin.query(`BEGIN; LOCK TABLE "DirUser" IN SHARE MODE`);
    }
    const cutNow = async () => {
      if (admin) {
        // Every other connection to this database is terminated, as when the server restarts.
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        await admin.query("ROLLBACK");
        await admin.end();
      } else {
        // The disk fills up under the running sync: the file cannot grow by one page more (SQLITE_FULL).
        const h = sqliteHandleOf(victim)!;
        h.pragma(`max_page_count = ${Number(h.pragma("page_count", { simple: true }))}`);
      }
    };
    let cutting: Promise<void> | undefined;
    const r = await runSync({
      db: victim,
      graph: s.graph(),
      tenantId: s.tenantId,
      databaseUrl: s.database.url,
      trigger: "manual",
      onProgress: (p) => {
        if (p.phase === "applying" && !cut) {
          cut = true;
          cutting = cutNow();
        }
      },
    });
    await cutting;
    // A run that never reached its apply leaves the lock held: released, so the file's later tests are not blocked.
    if (!cut) await admin?.end();
    expect(cut).toBe(true);
    expect(r.status).toBe("failed");
    expect(r.errors.join("\n")).toMatch(
      pgUrl()
        ? /database cannot be reached.*Nothing was saved.*(terminat|connection)/is
        : /database cannot be reached.*Nothing was saved.*disk is full/is,
    );
    // Not awaited: after its connections were terminated, the pool's end waits on them forever (PostgreSQL).
    void victim.$disconnect().catch(() => undefined);

    // Readers see the last complete sync.
    const reader = createClient(s.database.url);
    expect(await reader.dirUser.count()).toBe(before);
    expect(await reader.dirUser.count({ where: { displayName: "Ada Gone" } })).toBe(0);
    await reader.$disconnect();

    // The next run (a fresh connection) recovers: it takes over the lock if the cut run could not release it.
    const next = await runSync({
      db: s.db,
      graph: s.graph(),
      tenantId: s.tenantId,
      databaseUrl: s.database.url,
      trigger: "manual",
      staleAfterMs: 1,
    });
    expect(next.status).toBe("succeeded");
    await expectExact(s.db, s.emu.tenant);
    expect(await s.db.syncStageUser.count()).toBe(0);
    const cutRun = await s.db.syncRun.findUniqueOrThrow({ where: { id: r.runId } });
    expect(["failed", "abandoned"]).toContain(cutRun.status);
  });
});

describe("the sync process killed", () => {
  test("SIGKILL mid-run: the previous directory stays visible, the dead run is taken over and abandoned, the next run is exact", async () => {
    await s.control("POST", "/users", {
      displayName: "Kai Killed",
      userPrincipalName: "kai.killed@contoso.onmicrosoft.com",
    });
    await s.control("POST", "/faults", { latencyMs: 250 });
    const before = await s.db.dirUser.count();
    const child = spawn(
      process.execPath,
      [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/sync.ts", "--full"],
      { cwd: root, env: s.cliEnv(), stdio: "ignore", detached: true },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    try {
      // Wait until the child's run is under way (its run row exists and it has fetched objects), then kill it.
      let runId = "";
      for (let i = 0; i < 600 && !runId; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const run = await s.db.syncRun.findFirst({
          where: { status: "running", trigger: "cli" },
          orderBy: { startedAt: "desc" },
        });
        if (run) runId = run.id;
      }
      expect(runId).not.toBe("");
      await new Promise((r) => setTimeout(r, 1_000));
      await killGroup(child);
      expect(await exited).toBe("SIGKILL");
      await s.control("POST", "/faults/reset");

      expect(await s.db.dirUser.count()).toBe(before);
      expect(await s.db.dirUser.count({ where: { displayName: "Kai Killed" } })).toBe(0);
      expect((await s.db.syncRun.findUniqueOrThrow({ where: { id: runId } })).status).toBe("running");
      expect(await s.db.syncLock.count()).toBe(1);

      // While its heartbeat is fresh the dead run still counts as running; once stale it is taken over.
      const next = await runSync({
        db: s.db,
        graph: s.graph(),
        tenantId: s.tenantId,
        databaseUrl: s.database.url,
        trigger: "manual",
        staleAfterMs: 1,
      });
      expect(next.status).toBe("succeeded");
      expect(next.manifest.tookOverFrom).toBe(runId);
      expect((await s.db.syncRun.findUniqueOrThrow({ where: { id: runId } })).status).toBe("abandoned");
      await expectExact(s.db, s.emu.tenant);
      expect(await s.db.syncStageUser.count()).toBe(0);
      expect(await s.db.syncStageGroupMember.count()).toBe(0);
    } finally {
      await killGroup(child);
      await s.control("POST", "/faults/reset");
    }
  }, 60_000);
});

describe("the scheduler killed while applying revocations", () => {
  test("SIGKILL mid-apply: every recorded removal happened in Entra, nothing unrecorded did, the chain verifies, and the next apply finishes with one write per item", async () => {
    const t = s.emu.tenant;
    const groups = t.groups
      // Groups Graph can change: not dynamic, not Microsoft 365, not mail-enabled security (Exchange owns those); not
      // governed by PIM either, so that every item is a membership (eligible members are items of those, #19).
      .filter(
        (g) =>
          !g.pimOnboarded &&
          g.securityEnabled &&
          !g.mailEnabled &&
          !g.groupTypes.includes("DynamicMembership") &&
          !g.groupTypes.includes("Unified"),
      )
      .sort((a, b) => b.members.size - a.members.size)
      .slice(0, 3);
    const preset = quarterlyPreset(new Date());
    preset.config.scope = { kind: "groups", groupIds: groups.map((g) => g.id) };
    preset.config.stages = [
      { reviewers: "owners", chosenIds: [], fallbackIds: [ADMIN.id], durationDays: 1, advance: ["approve"] },
    ];
    preset.config.recurrence = "one_off";
    preset.config.noResponse = "revoke";
    preset.config.autoApply = true;
    const { campaignId } = await createCampaign(ctx, ADMIN, preset);
    const { itemCount } = await startCampaign(ctx, ADMIN, campaignId);
    expect(itemCount).toBeGreaterThan(20);
    const revocations = async () =>
      s.db.campaignItem.findMany({
        where: { campaignId, outcome: "revoke" },
        select: { id: true, resourceId: true, principalId: true, applyStatus: true, appliedAt: true },
      });
    const inEntra = (i: { resourceId: string; principalId: string }) =>
      t.groupById.get(i.resourceId)!.members.has(i.principalId);

    // The scheduler's pass after the end date closes the campaign and auto-applies it; every Graph call is slow.
    await s.control("POST", "/faults", { latencyMs: 250 });
    const later = new Date(Date.now() + 2 * 86_400_000);
    const child = spawn(
      process.execPath,
      [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/scheduler.ts", "--now", later.toISOString()],
      // Crash safety, not four eyes: the approval threshold is lifted so the auto-apply runs at once.
      { cwd: root, env: s.cliEnv({ RECERT_APPROVAL_THRESHOLD: "100000" }), stdio: "ignore", detached: true },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    try {
      let applied = 0;
      for (let i = 0; i < 1200 && applied < 4; i++) {
        await new Promise((r) => setTimeout(r, 50));
        applied = await s.db.campaignItem.count({ where: { campaignId, applyStatus: "applied" } });
      }
      expect(applied).toBeGreaterThanOrEqual(4);
      await killGroup(child);
      expect(await exited).toBe("SIGKILL");
      await s.control("POST", "/faults/reset");
      // Let a request the emulator had already received finish, as Entra would.
      await new Promise((r) => setTimeout(r, 500));

      const c = await s.db.campaign.findUniqueOrThrow({ where: { id: campaignId } });
      expect(c.status).toBe("closed");
      const items = await revocations();
      expect(items.length).toBe(itemCount);
      const by = (st: string | null) => items.filter((i) => i.applyStatus === st);
      expect(by("applied").length).toBeGreaterThanOrEqual(4);
      expect(by("pending").length).toBeGreaterThan(0);
      for (const i of by("applied")) expect(inEntra(i)).toBe(false);
      for (const i of by("pending")) expect(inEntra(i)).toBe(true);
      // In flight when killed: claimed, perhaps already removed in Entra, never both unclaimed and removed.
      expect(by("applying").length).toBeLessThanOrEqual(4);
      expect(by("applied").length + by("pending").length + by("applying").length).toBe(itemCount);
      expect((await verifyChain(s.db)).ok).toBe(true);

      // A second apply while the dead claims are fresh leaves them; once they are stale it finishes the job.
      const stale: Ctx = { ...ctx, now: () => new Date(later.getTime() + 6 * 60_000) };
      const graph = s.writeClient(10_000);
      const r = await applyCampaign(stale, ADMIN, campaignId, graph, { approvalThreshold: Number.POSITIVE_INFINITY });
      expect(r).toMatchObject({ failed: 0, remaining: 0, status: "applied" });
      expect(r.applied + r.alreadyRemoved).toBe(by("pending").length + by("applying").length);
      const done = await revocations();
      for (const i of done) expect(inEntra(i)).toBe(false);
      expect(done.every((i) => i.applyStatus === "applied" || i.applyStatus === "alreadyRemoved")).toBe(true);
      const intents = await s.db.auditEvent.groupBy({
        by: ["targetId"],
        where: { action: "graph.write.intent", targetId: { in: done.map((i) => i.id) } },
        _count: true,
      });
      const inFlight = new Set(by("applying").map((i) => i.id));
      // One intent per item; an item in flight may have had its first intent recorded before the kill.
      for (const row of intents) expect(row._count).toBeLessThanOrEqual(inFlight.has(row.targetId!) ? 2 : 1);
      expect(intents.length).toBe(itemCount);
      expect((await verifyChain(s.db)).ok).toBe(true);
    } finally {
      await killGroup(child);
      await s.control("POST", "/faults/reset");
    }
  }, 90_000);
});

test("connections carry the lock timeout (SQLite busy timeout, PostgreSQL lock_timeout)", async () => {
  const c = createClient(s.database.url, { lockTimeoutMs: 1234 });
  if (pgUrl()) {
    expect(await c.$queryRawUnsafe("SHOW lock_timeout")).toEqual([{ lock_timeout: "1234ms" }]);
  } else {
    await c.$queryRawUnsafe("SELECT 1");
    expect(Number(sqliteHandleOf(c)!.pragma("busy_timeout", { simple: true }))).toBe(1234);
  }
  await c.$disconnect();
});

test("only database faults are reported as such; other errors keep their own message", () => {
  expect(databaseFault(new Error("Unique constraint failed on the fields: (`id`)"))).toBeUndefined();
  expect(databaseFault(new Error("This campaign is already active."))).toBeUndefined();
  expect(databaseFaultMessage(undefined)).toBeUndefined();
  expect(
    databaseFault({
      name: "DriverAdapterError",
      cause: { kind: "sqlite", extendedCode: 5, message: "SQLITE_BUSY: database is locked" },
    }),
  ).toBe("busy");
  expect(
    databaseFault(Object.assign(new Error("wrapped"), { cause: new Error("Connection terminated unexpectedly") })),
  ).toBe("unavailable");
});
