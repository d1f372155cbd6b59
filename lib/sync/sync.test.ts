import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createClient } from "@/lib/db/client";
import { runSync, SyncAlreadyRunning } from "./run-sync";
import { expectExact, setup } from "@/tests/support/emulator-fixture";

let ctx: Awaited<ReturnType<typeof setup>>;
beforeAll(async () => {
  ctx = await setup();
});
afterAll(async () => {
  await ctx?.close();
});

describe("directory sync against the emulator", () => {
  let fullRequests = 0;

  test("a full sync equals the emulator's tenant", async () => {
    const r = await runSync({
      db: ctx.db,
      graph: ctx.graph(),
      tenantId: ctx.tenantId,
      databaseUrl: ctx.database.url,
      trigger: "manual",
    });
    expect(r.errors).toEqual([]);
    expect(r.status).toBe("succeeded");
    expect(r.manifest.modes).toEqual({ users: "full", groups: "full" });
    fullRequests = r.requests;
    // The run is evidence (#17): its start and its end are audit events, the end with the counts and the SHA-256 of
    // the manifest stored beside the run, in the same commit as the data.
    const events = await ctx.db.auditEvent.findMany({
      where: { targetType: "syncRun", targetId: r.runId },
      orderBy: { seq: "asc" },
    });
    expect(events.map((e) => e.action)).toEqual(["sync.start", "sync.finish"]);
    const stored = (await ctx.db.syncRun.findUniqueOrThrow({ where: { id: r.runId } })).manifest!;
    expect(JSON.parse(events[1]!.after!)).toMatchObject({
      status: "succeeded",
      mode: "full",
      counts: { users: r.counts.users },
      manifestSha256: createHash("sha256").update(stored).digest("hex"),
    });
    const summary = await ctx.control("GET", "/summary");
    const { lists: _lists, ...counts } = summary; // per-object list lengths, for the bench
    for (const [k, v] of Object.entries(counts)) expect([k, r.counts[k as keyof typeof r.counts]]).toEqual([k, v]);
    await expectExact(ctx.db, ctx.emu.tenant);
    if (/^postgres/.test(ctx.database.url)) {
      // PostgreSQL: the replaced directory was vacuumed and analysed (a manual VACUUM (ANALYZE), not autovacuum's)
      // after this run started and before it returned. Not "every page all-visible": VACUUM marks a page so only when
      // no transaction open in the database may still need an older view of its rows, and a heartbeat or an
      // autovacuum ANALYZE of a staging table open at that moment leaves some pages unmarked (a run under load).
      const { startedAt } = await ctx.db.syncRun.findUniqueOrThrow({ where: { id: r.runId } });
      const stats = await ctx.db.$queryRawUnsafe<{ relname: string; vacuumed: boolean; analysed: boolean }[]>(
        `SELECT relname::text AS relname, coalesce(last_vacuum >= $1, false) AS vacuumed,
                coalesce(last_analyze >= $1, false) AS analysed
           FROM pg_stat_user_tables WHERE relname IN ('DirUser', 'DirGroupMember', 'DirMfaRegistration') ORDER BY relname`,
        startedAt,
      );
      expect(stats).toEqual(
        ["DirGroupMember", "DirMfaRegistration", "DirUser"].map((relname) => ({
          relname,
          vacuumed: true,
          analysed: true,
        })),
      );
    }

    const t = ctx.emu.tenant;
    // A guest: its external state and sponsors.
    const guest = t.users.find((u) => u.userType === "Guest" && u.sponsorIds.length > 0)!;
    const g = await ctx.db.dirUser.findUniqueOrThrow({ where: { id: guest.id } });
    expect(g).toMatchObject({
      userType: "Guest",
      externalUserState: guest.externalUserState,
      creationType: guest.creationType,
      companyName: guest.companyName,
      mail: guest.mail,
    });
    expect((await ctx.db.dirSponsor.findMany({ where: { userId: guest.id } })).map((s) => s.sponsorId).sort()).toEqual(
      [...guest.sponsorIds].sort(),
    );
    // A disabled user.
    const disabled = t.users.find((u) => !u.accountEnabled)!;
    expect((await ctx.db.dirUser.findUniqueOrThrow({ where: { id: disabled.id } })).accountEnabled).toBe(false);
    // A nested group.
    const parent = t.groups.find((x) => [...x.members].some((m) => t.groupById.has(m)))!;
    const child = [...parent.members].find((m) => t.groupById.has(m))!;
    expect(
      await ctx.db.dirGroupMember.findUniqueOrThrow({
        where: { groupId_memberId: { groupId: parent.id, memberId: child } },
      }),
    ).toMatchObject({ memberType: "group" });
    // A role assignment to a group.
    const toGroup = t.roleAssignments.find((a) => t.groupById.has(a.principalId));
    if (toGroup)
      expect(await ctx.db.dirRoleAssignment.findUniqueOrThrow({ where: { id: toGroup.id } })).toMatchObject({
        principalType: "group",
        principalId: toGroup.principalId,
      });
    expect(toGroup).toBeDefined();
    // An app role assignment to a group.
    const appToGroup = t.appRoleAssignments.find((a) => a.principalType === "Group")!;
    expect(await ctx.db.dirAppRoleAssignment.findUniqueOrThrow({ where: { id: appToGroup.id } })).toMatchObject({
      principalType: "Group",
      appRoleId: appToGroup.appRoleId,
      resourceId: appToGroup.resourceId,
    });
    // MFA details.
    const mfaUser = t.users.find((u) => u.accountEnabled && u.mfa && u.mfa.methodsRegistered.length > 1)!;
    const mfa = await ctx.db.dirMfaRegistration.findUniqueOrThrow({ where: { userId: mfaUser.id } });
    expect(mfa).toMatchObject({
      isMfaRegistered: mfaUser.mfa!.isMfaRegistered,
      isMfaCapable: mfaUser.mfa!.isMfaCapable,
      userPreferredMethod: mfaUser.mfa!.userPreferredMethodForSecondaryAuthentication,
    });
    expect(JSON.parse(mfa.methodsRegistered)).toEqual(mfaUser.mfa!.methodsRegistered);
    // A conditional-access policy: raw kept, targeting parsed.
    const pol = t.policies.find((p) => (p.conditions?.users?.excludeGroups ?? []).length > 0)!;
    const row = await ctx.db.dirCaPolicy.findUniqueOrThrow({ where: { id: pol.id! } });
    expect(JSON.parse(row.raw)).toEqual(JSON.parse(JSON.stringify(pol)));
    expect(JSON.parse(row.targeting).users.excludeGroups).toEqual(pol.conditions!.users!.excludeGroups);
    // The run is recorded with its manifest and a snapshot.
    const run = await ctx.db.syncRun.findUniqueOrThrow({ where: { id: r.runId } });
    expect(run).toMatchObject({ status: "succeeded", trigger: "manual", mode: "full" });
    expect(JSON.parse(run.manifest).complete).toBe(true);
    expect(await ctx.db.syncSnapshot.findUniqueOrThrow({ where: { runId: r.runId } })).toMatchObject({
      users: summary.users,
      memberships: summary.memberships,
    });
    expect(
      (await ctx.db.syncCursor.findMany({ where: { tenantId: ctx.tenantId }, orderBy: { resource: "asc" } })).map(
        (c) => c.resource,
      ),
    ).toEqual([
      "count:memberships",
      "digest:apps",
      "groups",
      "refresh:activity",
      "refresh:managers",
      "refresh:mfa",
      "refresh:pimGroups",
      "refresh:sponsors",
      "users",
    ]);
  });

  test("after adds, changes and removals, a delta sync equals it again with far fewer requests", async () => {
    const t = ctx.emu.tenant;
    const created = await ctx.control("POST", "/users", {
      displayName: "Delta Person",
      userPrincipalName: "delta.person@contoso.onmicrosoft.com",
      department: "Legal",
    });
    const victim = t.users.find(
      (u) =>
        u.userType === "Member" &&
        !t.wellKnown.some((w) => w.upn === u.userPrincipalName) &&
        t.groups.some((g) => g.members.has(u.id)),
    )!;
    await ctx.control("DELETE", `/users/${victim.id}`);
    const changed = t.users.find((u) => u.userType === "Member" && u.accountEnabled && u.id !== created.id)!;
    await ctx.control("PATCH", `/users/${changed.id}`, { department: "Changed Dept", accountEnabled: false });
    const group = await ctx.control("POST", "/groups", {
      displayName: "Delta Group",
      securityEnabled: true,
      mailEnabled: false,
      groupTypes: [],
    });
    await ctx.control("POST", `/groups/${group.id}/members`, { id: created.id });
    await ctx.control("POST", `/groups/${group.id}/members`, { id: changed.id });
    const someGroup = t.groups.find(
      (g) => g.members.size > 2 && g.id !== group.id && !g.groupTypes.includes("DynamicMembership"),
    )!;
    const removedMember = [...someGroup.members][0]!;
    await ctx.control("DELETE", `/groups/${someGroup.id}/members/${removedMember}`);
    // Relationships without a delta API of their own, changed on users the delta reports.
    const managed = t.users.find((u) => u.managerId && u.accountEnabled && u.id !== changed.id && u.id !== victim.id)!;
    await ctx.control("PATCH", `/users/${managed.id}`, { managerId: created.id as string });
    const guest = t.users.find((u) => u.userType === "Guest" && u.sponsorIds.length > 0)!;
    await ctx.control("PATCH", `/users/${guest.id}`, {
      sponsorIds: [changed.id],
      signInActivity: {
        lastSignInDateTime: "2026-10-31T10:00:00Z",
        lastSuccessfulSignInDateTime: "2026-10-31T10:00:00Z",
      },
    });
    const doomed = t.groups.find(
      (g) =>
        g.id !== someGroup.id &&
        g.id !== group.id &&
        !t.roleAssignments.some((a) => a.principalId === g.id) &&
        t.groups.some((p) => p.members.has(g.id)),
    );
    if (doomed) await ctx.control("DELETE", `/groups/${doomed.id}`);

    const r = await runSync({
      db: ctx.db,
      graph: ctx.graph(),
      tenantId: ctx.tenantId,
      databaseUrl: ctx.database.url,
      trigger: "schedule",
    });
    expect(r.errors).toEqual([]);
    expect(r.manifest.modes).toEqual({ users: "delta", groups: "delta" });
    expect(r.manifest.refreshed).toEqual({
      activity: "changed",
      managers: "changed",
      mfa: "changed",
      sponsors: "changed",
      pimGroups: "changed",
    });
    expect(r.fellBackToFull).toBe(false);
    expect(await ctx.db.dirUser.findUniqueOrThrow({ where: { id: managed.id } })).toMatchObject({
      managerId: created.id,
    });
    expect((await ctx.db.dirSponsor.findMany({ where: { userId: guest.id } })).map((s) => s.sponsorId)).toEqual([
      changed.id,
    ]);
    await expectExact(ctx.db, ctx.emu.tenant);
    expect(await ctx.db.dirUser.findUnique({ where: { id: victim.id } })).toBeNull();
    expect(await ctx.db.dirGroupMember.count({ where: { memberId: victim.id } })).toBe(0);
    expect(await ctx.db.dirUser.findUniqueOrThrow({ where: { id: changed.id } })).toMatchObject({
      department: "Changed Dept",
      accountEnabled: false,
    });
    // After a delta of the groups the memberships are not counted: the last apply's figure plus what this apply's
    // statements added less what they deleted (./run-sync.ts countsAfterApply). Members added to a new group, one
    // removed, a deleted user's and a deleted group's memberships: the figure equals the table and the tenant.
    const { lists: _lists, ...tenantCounts } = await ctx.control("GET", "/summary");
    for (const [k, v] of Object.entries(tenantCounts))
      expect([k, r.counts[k as keyof typeof r.counts]]).toEqual([k, v]);
    const live = await ctx.db.dirGroupMember.count({ where: { tenantId: ctx.tenantId } });
    expect(r.counts.memberships).toBe(live);
    expect((await ctx.db.syncSnapshot.findFirstOrThrow({ where: { runId: r.runId } })).memberships).toBe(live);
    expect(r.requests).toBeLessThan(fullRequests);
    const deltaPages = r.manifest.queries.filter((x) => x.query.includes("/delta")).reduce((n, x) => n + x.pages, 0);
    expect(deltaPages).toBe(2);
  });

  test("a rejected delta token falls back to a full sync, recorded in the manifest", async () => {
    await ctx.control("POST", "/delta/invalidate");
    await ctx.control("PATCH", `/users/${ctx.emu.tenant.users[10]!.id}`, { jobTitle: "After Invalidate" });
    const r = await runSync({
      db: ctx.db,
      graph: ctx.graph(),
      tenantId: ctx.tenantId,
      databaseUrl: ctx.database.url,
      trigger: "manual",
    });
    expect(r.status).toBe("succeeded");
    expect(r.fellBackToFull).toBe(true);
    expect(r.manifest.fellBackToFull.sort()).toEqual(["groups", "users"]);
    expect(r.manifest.modes).toEqual({ users: "full", groups: "full" });
    await expectExact(ctx.db, ctx.emu.tenant);
  });

  test("enterprise apps, read whole on every run, are not written again while unchanged; any change is applied", async () => {
    const t = ctx.emu.tenant;
    const sync = (mode?: "full") =>
      runSync({
        db: ctx.db,
        graph: ctx.graph(),
        tenantId: ctx.tenantId,
        databaseUrl: ctx.database.url,
        trigger: "schedule",
        ...(mode ? { mode } : {}),
      });
    await sync();
    const same = await sync();
    expect(same.manifest.unchanged).toEqual(["apps"]);
    await expectExact(ctx.db, t);

    // An assignment removed, an owner added to an app and one to a registration: the next delta writes them.
    const gone = t.appRoleAssignments.find((a) => a.principalType === "User")!;
    t.appRoleAssignments = t.appRoleAssignments.filter((a) => a !== gone);
    const sp = t.servicePrincipals.find((p) => (p.owners ?? []).length === 0)!;
    const owner = t.users.find((u) => u.accountEnabled && u.userType === "Member")!;
    sp.owners = [owner.id];
    const registration = t.applications.find((a) => a.owners.length === 0)!;
    registration.owners.push(owner.id);
    try {
      const changed = await sync();
      expect(changed.manifest.unchanged).toBeUndefined();
      await expectExact(ctx.db, t);
      expect(await ctx.db.dirAppRoleAssignment.count({ where: { id: gone.id } })).toBe(0);
      expect(
        await ctx.db.dirServicePrincipalOwner.count({ where: { servicePrincipalId: sp.id, ownerId: owner.id } }),
      ).toBe(1);
      expect(
        await ctx.db.dirApplicationOwner.count({ where: { applicationId: registration.id, ownerId: owner.id } }),
      ).toBe(1);
      // A full sync rewrites what it read, changed or not.
      expect((await sync("full")).manifest.unchanged).toBeUndefined();
      expect((await sync()).manifest.unchanged).toEqual(["apps"]);
    } finally {
      t.appRoleAssignments.push(gone);
      sp.owners = [];
      registration.owners = registration.owners.filter((o) => o !== owner.id);
    }
    expect((await sync()).manifest.unchanged).toBeUndefined();
    await expectExact(ctx.db, t);
  });

  test("with throttling and faults injected the result is still exact", async () => {
    const t = ctx.emu.tenant;
    await ctx.control("PATCH", `/users/${t.users[20]!.id}`, { department: "Under Fire" });
    await ctx.control("POST", "/faults", { throttle: 0.15, faultRate: 0.1 });
    try {
      const r = await runSync({
        db: ctx.db,
        graph: ctx.graph(),
        tenantId: ctx.tenantId,
        databaseUrl: ctx.database.url,
        trigger: "manual",
        mode: "full",
      });
      expect(r.errors).toEqual([]);
      expect(r.retries).toBeGreaterThan(0);
      await expectExact(ctx.db, ctx.emu.tenant);
    } finally {
      await ctx.control("POST", "/faults/reset");
    }
  });

  test("a failed run leaves the previous data visible; the next run is exact", async () => {
    const t = ctx.emu.tenant;
    const before = await ctx.db.dirUser.count();
    await ctx.control("POST", "/users", {
      displayName: "Late Comer",
      userPrincipalName: "late.comer@contoso.onmicrosoft.com",
    });
    const reader = createClient(ctx.database.url);
    let seenDuring = -1;
    // Every service-principal call fails until the retry budget runs out.
    await ctx.control("POST", "/faults", { faultRate: 1, count: 10_000, pathPrefix: "/servicePrincipals" });
    const r = await runSync({
      db: ctx.db,
      graph: ctx.graph(1_500),
      tenantId: ctx.tenantId,
      trigger: "manual",
      onProgress: (p) => {
        if (p.phase === "users" && seenDuring < 0) void reader.dirUser.count().then((n) => (seenDuring = n));
      },
    });
    await ctx.control("POST", "/faults/reset");
    expect(r.status).toBe("failed");
    expect(r.errors.join()).toMatch(/retry|budget/i);
    expect(await reader.dirUser.count()).toBe(before);
    expect(seenDuring === -1 || seenDuring === before).toBe(true);
    expect((await ctx.db.syncRun.findUniqueOrThrow({ where: { id: r.runId } })).status).toBe("failed");
    const finish = await ctx.db.auditEvent.findFirstOrThrow({ where: { action: "sync.finish", targetId: r.runId } });
    expect(JSON.parse(finish.after!)).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/retry|budget/i),
    });
    expect(await ctx.db.syncLock.count()).toBe(0);
    await reader.$disconnect();

    // An aborted run: same guarantees.
    const ac = new AbortController();
    const aborted = await runSync({
      db: ctx.db,
      graph: ctx.graph(),
      tenantId: ctx.tenantId,
      databaseUrl: ctx.database.url,
      trigger: "manual",
      signal: ac.signal,
      onProgress: (p) => p.objects > 100 && ac.abort(),
    });
    expect(aborted.status).toBe("failed");
    expect(await ctx.db.dirUser.count()).toBe(before);

    const next = await runSync({
      db: ctx.db,
      graph: ctx.graph(),
      tenantId: ctx.tenantId,
      databaseUrl: ctx.database.url,
      trigger: "manual",
    });
    expect(next.status).toBe("succeeded");
    await expectExact(ctx.db, t);
    expect(await ctx.db.syncStageUser.count()).toBe(0);
    expect(await ctx.db.syncStageGroupMember.count()).toBe(0);
  });

  test("a second concurrent sync is refused; a stale lock is taken over", async () => {
    await ctx.control("POST", "/faults", { latencyMs: 30 });
    const first = runSync({
      db: ctx.db,
      graph: ctx.graph(),
      tenantId: ctx.tenantId,
      databaseUrl: ctx.database.url,
      trigger: "schedule",
    });
    await new Promise((r) => setTimeout(r, 50));
    const err = await runSync({
      db: ctx.db,
      graph: ctx.graph(),
      tenantId: ctx.tenantId,
      databaseUrl: ctx.database.url,
      trigger: "manual",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncAlreadyRunning);
    const running = err as SyncAlreadyRunning;
    expect(running.startedAt).toBeInstanceOf(Date);
    const done = await first;
    expect(running.runId).toBe(done.runId);
    await ctx.control("POST", "/faults/reset");

    // A lock left by a killed process: heartbeat long ago.
    const dead = "00000000-0000-4000-8000-000000000001";
    const old = new Date(Date.now() - 3_600_000);
    await ctx.db.syncRun.create({
      data: {
        id: dead,
        tenantId: ctx.tenantId,
        trigger: "cli",
        mode: "auto",
        status: "running",
        phase: "users",
        startedAt: old,
        heartbeatAt: old,
      },
    });
    await ctx.db.syncLock.create({ data: { tenantId: ctx.tenantId, runId: dead, acquiredAt: old, heartbeatAt: old } });
    const r = await runSync({
      db: ctx.db,
      graph: ctx.graph(),
      tenantId: ctx.tenantId,
      databaseUrl: ctx.database.url,
      trigger: "manual",
      staleAfterMs: 60_000,
    });
    expect(r.status).toBe("succeeded");
    expect(r.manifest.tookOverFrom).toBe(dead);
    expect((await ctx.db.syncRun.findUniqueOrThrow({ where: { id: dead } })).status).toBe("abandoned");
  });
});
