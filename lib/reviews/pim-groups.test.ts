/**
 * PIM for Groups (#19) against the emulator and a real database (both engines): the sync holds the eligibilities and
 * time-bound memberships Graph lists for the role-assignable groups, a campaign over those groups reviews each eligible
 * member (and shows when an active membership ends), a revoked eligibility is removed through PIM's adminRemove (one
 * removed meanwhile is "already removed" only after a read agrees), and a sync without the permissions skips the kind.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { groupDetail, userDetail } from "@/lib/directory/detail";
import { reportHeader } from "@/lib/reports/data";
import { runSync } from "@/lib/sync/run-sync";
import { RECERT_GRAPH_PERMISSIONS, RECERT_WRITE_PERMISSIONS } from "@/emulator/tenant/roles";
import { setup } from "@/tests/support/emulator-fixture";
import { WRITE_CLIENT_ID } from "@/tests/support/write-app";
import {
  applyCampaign,
  closeCampaign,
  createCampaign,
  forceDecision,
  quarterlyPreset,
  reconcileWithDirectory,
  startCampaign,
  type Actor,
  type Ctx,
} from "./index";

let s: Awaited<ReturnType<typeof setup>>;
let ctx: Ctx;
const ADMIN: Actor = { id: "admin-oid", name: "Ada Admin", role: "admin" };

beforeAll(async () => {
  s = await setup();
  ctx = s.ctx;
  await s.syncNow();
});
afterAll(async () => {
  await s?.close();
});

const iso = (v: string | Date | null | undefined) => (v ? new Date(v).toISOString() : null);
/** A fresh eligibility for an item's group and person, as PIM makes one (a new schedule id). */
const saved = (i: { resourceId: string; principalId: string }) => {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    id: `${i.resourceId}_member_${crypto.randomUUID()}`,
    kind: "eligible" as const,
    groupId: i.resourceId,
    principalId: i.principalId,
    accessId: "member" as const,
    createdDateTime: now,
    startDateTime: now,
    endDateTime: null,
  };
};
const roleAssignablePreset = () => {
  const preset = quarterlyPreset(new Date());
  preset.config.scope = { kind: "roleAssignableGroups", groupIds: [] };
  return preset;
};

describe("PIM for Groups", () => {
  test("the sync holds every eligibility and time-bound membership Graph lists for the role-assignable groups; the directory shows them", async () => {
    const t = s.emu.tenant;
    const governed = t.groups.filter((g) => g.pimOnboarded);
    expect(governed.length).toBeGreaterThan(1);
    expect(governed.every((g) => g.isAssignableToRole)).toBe(true);
    const rows = await s.db.dirGroupSchedule.findMany({ where: { tenantId: s.tenantId } });
    const key = (r: { id: string; groupId: string; principalId: string; accessId: string }, end: string | null) =>
      [r.id, r.groupId, r.principalId, r.accessId, end].join(" ");
    expect(
      rows
        .filter((r) => r.kind === "eligible")
        .map((r) => key(r, iso(r.endAt)))
        .sort(),
    ).toEqual(
      t.groupSchedules
        .filter((e) => e.kind === "eligible")
        .map((e) => key(e, iso(e.endDateTime)))
        .sort(),
    );
    // Every current member and owner of a governed group is an active assignment; the time-bound ones keep their end.
    const active = rows.filter((r) => r.kind === "active");
    expect(active).toHaveLength(governed.reduce((n, g) => n + g.members.size + g.owners.size, 0));
    expect(
      active
        .filter((r) => r.endAt)
        .map((r) => key(r, iso(r.endAt)))
        .sort(),
    ).toEqual(
      t.groupSchedules
        .filter((e) => e.kind === "active")
        .map((e) => key(e, iso(e.endDateTime)))
        .sort(),
    );
    // Principals are classified from the directory (Graph names them by id only).
    expect(rows.every((r) => r.principalType === (t.userById.has(r.principalId) ? "user" : "group"))).toBe(true);
    // Owners' eligibilities are synced too; the tenant has one, and a disabled account eligible for a group.
    expect(rows.some((r) => r.kind === "eligible" && r.accessId === "owner")).toBe(true);
    expect(
      t.groupSchedules.some((e) => e.kind === "eligible" && t.userById.get(e.principalId)?.accountEnabled === false),
    ).toBe(true);

    const e = t.groupSchedules.find((x) => x.kind === "eligible" && x.accessId === "member" && x.endDateTime)!;
    const g = await groupDetail(ctx, e.groupId);
    expect(g!.pim).toContainEqual(
      expect.objectContaining({
        principalId: e.principalId,
        access: "Member",
        state: `Eligible until ${e.endDateTime!.slice(0, 10)}`,
      }),
    );
    const u = await userDetail(ctx, e.principalId);
    expect(u!.pim.map((p) => [p.groupId, p.state])).toContainEqual([
      e.groupId,
      `Eligible until ${e.endDateTime!.slice(0, 10)}`,
    ]);
  });

  test("a campaign over role-assignable groups reviews eligible members; a revoked eligibility is removed through adminRemove", async () => {
    const t = s.emu.tenant;
    const { campaignId } = await createCampaign(ctx, ADMIN, roleAssignablePreset());
    await startCampaign(ctx, ADMIN, campaignId);
    const items = await s.db.campaignItem.findMany({ where: { campaignId }, orderBy: { ordinal: "asc" } });
    const eligibleItems = items.filter((i) => i.resourceType === "groupEligible");
    // Each eligible membership once, as the schedule's id (eligible ownership is an item of its own, below).
    expect(eligibleItems.map((i) => `${i.resourceId} ${i.principalId} ${i.accessId}`).sort()).toEqual(
      t.groupSchedules
        .filter((e) => e.kind === "eligible" && e.accessId === "member" && t.userById.has(e.principalId))
        .map((e) => `${e.groupId} ${e.principalId} ${e.id}`)
        .sort(),
    );
    for (const i of eligibleItems) expect(i.accessDetail).toMatch(/^eligible( until \d{4}-\d{2}-\d{2})?$/);
    // A time-bound membership an admin gave is the member's item, with its end.
    const bounded = t.groupSchedules.filter(
      (e) => e.kind === "active" && e.accessId === "member" && e.assignmentType !== "Activated",
    );
    expect(bounded.length).toBeGreaterThan(0);
    for (const b of bounded) {
      const item = items.find(
        (i) => i.resourceType === "group" && i.resourceId === b.groupId && i.principalId === b.principalId,
      );
      expect(item?.accessDetail).toBe(`member until ${b.endDateTime!.slice(0, 10)}`);
    }

    // A membership someone has by activating their eligibility ends by itself: not an item; the eligibility is.
    const activation = t.groupSchedules.find((e) => e.assignmentType === "Activated")!;
    expect(t.groupById.get(activation.groupId)!.members.has(activation.principalId)).toBe(true);
    const theirs = items.filter((i) => i.resourceId === activation.groupId && i.principalId === activation.principalId);
    expect(theirs.map((i) => i.resourceType)).toEqual(["groupEligible"]);

    // Two eligibilities revoked; one of them is removed in Entra by someone else before the apply.
    const [first, second] = eligibleItems;
    expect(second).toBeDefined();
    expect(
      await forceDecision(ctx, ADMIN, campaignId, [first!.id, second!.id], "revoke", "No longer needs the group"),
    ).toBe(2);
    await closeCampaign(ctx, ADMIN, campaignId);
    t.groupSchedules = t.groupSchedules.filter((e) => e.id !== second!.accessId);
    const writesBefore = ((await s.control("GET", "/writes")).value as unknown[]).length;

    const summary = await applyCampaign(ctx, ADMIN, campaignId, s.writeClient());
    expect(summary).toMatchObject({ applied: 1, alreadyRemoved: 1, failed: 0 });
    expect(t.groupSchedules.some((e) => e.id === first!.accessId)).toBe(false);
    // Graph no longer lists it.
    const listed: string[] = [];
    for await (const page of s
      .writeClient()
      .pages<{ id: string }>("/identityGovernance/privilegedAccess/group/eligibilitySchedules", {
        filter: `groupId eq '${first!.resourceId}'`,
      }))
      listed.push(...page.map((e) => e.id));
    expect(listed).not.toContain(first!.accessId);
    // One adminRemove per item: the applied one and the one PIM answered RoleAssignmentDoesNotExist (then a read).
    const writes = ((await s.control("GET", "/writes")).value as { method: string; path: string; status: number }[])
      .slice(writesBefore)
      .map((w) => `${w.method} ${w.path.replace(/^.*\/privilegedAccess\/group\//, "")} ${w.status}`);
    expect(writes.sort()).toEqual(["POST eligibilityScheduleRequests 201", "POST eligibilityScheduleRequests 400"]);
    const after = await s.db.campaignItem.findMany({ where: { id: { in: [first!.id, second!.id] } } });
    expect(after.map((i) => [i.id, i.applyStatus]).sort()).toEqual(
      [
        [first!.id, "applied"],
        [second!.id, "alreadyRemoved"],
      ].sort(),
    );
    const events = await s.db.auditEvent.findMany({ where: { action: "graph.write", targetId: first!.id } });
    expect(events).toHaveLength(1);
    expect(events[0]!.after).toContain("removeGroupEligibility");

    // The next sync no longer holds the removed eligibility.
    await s.syncNow();
    expect(await s.db.dirGroupSchedule.count({ where: { id: first!.accessId } })).toBe(0);

    // Someone grants it again (PIM makes a schedule with a new id): the revocation is flagged as returned.
    const again = saved(first!);
    t.groupSchedules.push(again);
    await s.syncNow();
    expect((await reconcileWithDirectory(ctx)).returned).toBeGreaterThanOrEqual(1);
    const back = await s.db.campaignItem.findUniqueOrThrow({ where: { id: first!.id } });
    expect(back.returnedAt).not.toBeNull();
    expect(again.id).not.toBe(first!.accessId);
  });

  test("an eligible owner of a governed group is reviewed; revoking removes the ownership's eligibility, not the person's eligible membership", async () => {
    const t = s.emu.tenant;
    const owner = t.groupSchedules.find(
      (e) => e.kind === "eligible" && e.accessId === "owner" && t.userById.get(e.principalId)?.accountEnabled,
    )!;
    expect(owner).toBeDefined();
    // The same person is also eligible for the group's membership: two items, and only the one revoked goes.
    const membership = { ...saved({ resourceId: owner.groupId, principalId: owner.principalId }) };
    t.groupSchedules.push(membership);
    await s.syncNow();
    const { campaignId } = await createCampaign(ctx, ADMIN, roleAssignablePreset());
    await startCampaign(ctx, ADMIN, campaignId);
    const items = await s.db.campaignItem.findMany({ where: { campaignId }, orderBy: { ordinal: "asc" } });
    const owners = items.filter((i) => i.resourceType === "groupOwnerEligible");
    expect(owners.map((i) => `${i.resourceId} ${i.principalId} ${i.accessId}`).sort()).toEqual(
      t.groupSchedules
        .filter((e) => e.kind === "eligible" && e.accessId === "owner" && t.userById.has(e.principalId))
        .map((e) => `${e.groupId} ${e.principalId} ${e.id}`)
        .sort(),
    );
    const item = owners.find((i) => i.accessId === owner.id)!;
    expect(item.accessDetail).toBe(owner.endDateTime ? `eligible until ${owner.endDateTime.slice(0, 10)}` : "eligible");
    const theirs = items.filter((i) => i.resourceId === owner.groupId && i.principalId === owner.principalId);
    expect(
      theirs
        .filter((i) => i.resourceType !== "group")
        .map((i) => i.resourceType)
        .sort(),
    ).toEqual(["groupEligible", "groupOwnerEligible"]);
    // The group's current owners review it, as its members' items.
    const reviewers = await s.db.campaignItemReviewer.findMany({ where: { itemId: item.id } });
    expect(reviewers.map((r) => r.relation)).toEqual(reviewers.map(() => "owner"));
    expect(reviewers.map((r) => r.reviewerId).sort()).toEqual(
      [...t.groupById.get(owner.groupId)!.owners].filter((o) => o !== owner.principalId).sort(),
    );

    expect(await forceDecision(ctx, ADMIN, campaignId, [item.id], "revoke", "Ownership no longer needed")).toBe(1);
    await closeCampaign(ctx, ADMIN, campaignId);
    const summary = await applyCampaign(ctx, ADMIN, campaignId, s.writeClient());
    expect(summary).toMatchObject({ applied: 1, failed: 0 });
    expect(t.groupSchedules.some((e) => e.id === owner.id)).toBe(false);
    expect(t.groupSchedules.some((e) => e.id === membership.id)).toBe(true);
    const events = await s.db.auditEvent.findMany({ where: { action: "graph.write", targetId: item.id } });
    expect(events.map((e) => JSON.parse(e.after ?? "{}").op)).toEqual([
      expect.objectContaining({ kind: "removeGroupEligibility", accessId: "owner", groupId: owner.groupId }),
    ]);

    // The next sync no longer shows the ownership's eligibility; the person's eligible membership, still there, does
    // not count as the revoked access returning.
    await s.syncNow();
    await reconcileWithDirectory(ctx);
    expect((await s.db.campaignItem.findUniqueOrThrow({ where: { id: item.id } })).returnedAt).toBeNull();
    // Granted again (a new schedule id): flagged as returned.
    t.groupSchedules.push({ ...owner, id: `${owner.groupId}_owner_${crypto.randomUUID()}` });
    await s.syncNow();
    await reconcileWithDirectory(ctx);
    expect((await s.db.campaignItem.findUniqueOrThrow({ where: { id: item.id } })).returnedAt).not.toBeNull();
  });

  test("PIM's 'nothing to remove' is taken as already removed only when a read agrees: a write app that cannot read fails the item", async () => {
    const t = s.emu.tenant;
    const { campaignId } = await createCampaign(ctx, ADMIN, roleAssignablePreset());
    await startCampaign(ctx, ADMIN, campaignId);
    const item = (await s.db.campaignItem.findMany({ where: { campaignId, resourceType: "groupEligible" } }))[0]!;
    await forceDecision(ctx, ADMIN, campaignId, [item.id], "revoke", "Test");
    await closeCampaign(ctx, ADMIN, campaignId);
    // Removed in Entra meanwhile (PIM answers 400 RoleAssignmentDoesNotExist), and the write app holds only the
    // removal permission: the confirming read is refused, so nothing says the eligibility is gone.
    const saved = [...t.groupSchedules];
    t.groupSchedules = t.groupSchedules.filter((e) => e.id !== item.accessId);
    const write = (roles: string[]) => s.control("POST", `/apps/${WRITE_CLIENT_ID}/permissions`, { roles });
    await write(RECERT_WRITE_PERMISSIONS.filter((p) => p !== "PrivilegedEligibilitySchedule.Read.AzureADGroup"));
    try {
      const summary = await applyCampaign(ctx, ADMIN, campaignId, s.writeClient());
      expect(summary).toMatchObject({ applied: 0, alreadyRemoved: 0, failed: 1 });
      const after = await s.db.campaignItem.findUniqueOrThrow({ where: { id: item.id } });
      expect(after.applyStatus).toBe("failed");
    } finally {
      await write(RECERT_WRITE_PERMISSIONS);
      t.groupSchedules = saved;
    }
  });

  test("a delta sync reads every eligibility but only the changed groups' assignment schedules; a full read every 6 h catches the rest", async () => {
    const t = s.emu.tenant;
    const governed = t.groups.filter((g) => g.pimOnboarded);
    const [g1, g2, g3] = governed;
    // An admin makes someone a member of g1 until a date: the groups delta reports g1.
    const newcomer = t.users.find((u) => u.userType === "Member" && u.accountEnabled && !g1!.members.has(u.id))!;
    await s.control("POST", `/groups/${g1!.id}/members`, { id: newcomer.id });
    // And g1 grows past one page of its assignment list (100 without $top).
    for (const u of t.users.filter((x) => x.userType === "Member" && !g1!.members.has(x.id)).slice(0, 110))
      await s.control("POST", `/groups/${g1!.id}/members`, { id: u.id });
    const g1Pages = Math.ceil((g1!.members.size + g1!.owners.size) / 100);
    expect(g1Pages).toBeGreaterThan(1);
    const until = "2027-03-31T00:00:00Z";
    t.groupSchedules.push({
      id: `${g1!.id}_member_${crypto.randomUUID()}`,
      kind: "active",
      groupId: g1!.id,
      principalId: newcomer.id,
      accessId: "member",
      assignmentType: "Assigned",
      createdDateTime: "2026-11-01T00:00:00Z",
      startDateTime: "2026-11-01T00:00:00Z",
      endDateTime: until,
    });
    // In g2, an existing time-bound membership gets a new end date: no membership changes, the delta is silent.
    const bounded = t.groupSchedules.find((e) => e.kind === "active" && e.groupId === g2!.id && e.endDateTime)!;
    const oldEnd = bounded.endDateTime;
    bounded.endDateTime = "2027-06-30T00:00:00Z";
    // And a new eligibility in g2: eligibilities are read for every group on every run.
    const eligible = t.users.find((u) => u.userType === "Member" && u.accountEnabled && !g2!.members.has(u.id))!;
    const grant = { ...saved({ resourceId: g2!.id, principalId: eligible.id }) };
    t.groupSchedules.push(grant);
    // In g3 a member leaves (the delta reports it), and in g2 an eligibility is removed (only the eligibility lists say).
    const leaver = [...g3!.members].find((id) => t.userById.has(id))!;
    await s.control("DELETE", `/groups/${g3!.id}/members/${leaver}`);
    const dropped = t.groupSchedules.find((e) => e.kind === "eligible" && e.groupId === g2!.id)!;
    t.groupSchedules = t.groupSchedules.filter((e) => e !== dropped);
    expect(await s.db.dirGroupSchedule.count({ where: { id: dropped.id } })).toBe(1);
    const activeRows = () => s.db.dirGroupSchedule.count({ where: { tenantId: s.tenantId, kind: "active" } });
    const expected = governed.reduce((n, g) => n + g.members.size + g.owners.size, 0);

    const delta = await runSync({
      db: s.db,
      graph: s.graph(),
      tenantId: s.tenantId,
      databaseUrl: s.database.url,
      trigger: "schedule",
    });
    expect(delta.manifest.modes.groups).toBe("delta");
    expect(delta.manifest.refreshed.pimGroups).toBe("changed");
    const asked = delta.manifest.queries.find((x) => x.query.includes("assignmentSchedules"))!;
    expect(asked.query).toContain("this delta changed");
    // Every group's eligibilities and g1's and g3's assignments fit one $batch (fewer than 20 requests); g1's
    // further pages come from its nextLink in the next batches (not read again from the start).
    expect(governed.length + 2).toBeLessThanOrEqual(20);
    expect(g3!.members.size + g3!.owners.size).toBeLessThanOrEqual(100);
    expect(asked.pages).toBe(g1Pages);
    expect(asked.items).toBe(
      g1!.members.size +
        g1!.owners.size +
        g3!.members.size +
        g3!.owners.size +
        t.groupSchedules.filter((x) => x.kind === "eligible").length,
    );
    // What left is gone: the leaver's active schedule in g3, the removed eligibility in g2.
    expect(await s.db.dirGroupSchedule.count({ where: { groupId: g3!.id, principalId: leaver, kind: "active" } })).toBe(
      0,
    );
    expect(await s.db.dirGroupSchedule.count({ where: { id: dropped.id } })).toBe(0);
    // The other groups' schedules are carried over, the newcomer's is read, the new eligibility too.
    expect(await activeRows()).toBe(expected);
    const mine = await s.db.dirGroupSchedule.findFirstOrThrow({
      where: { kind: "active", groupId: g1!.id, principalId: newcomer.id },
    });
    expect(iso(mine.endAt)).toBe(new Date(until).toISOString());
    expect(await s.db.dirGroupSchedule.count({ where: { id: grant.id } })).toBe(1);
    // g2's new end date waits for the full read.
    const stale = await s.db.dirGroupSchedule.findFirstOrThrow({ where: { id: bounded.id } });
    expect(iso(stale.endAt)).toBe(iso(oldEnd));

    const full = await runSync({
      db: s.db,
      graph: s.graph(),
      tenantId: s.tenantId,
      databaseUrl: s.database.url,
      trigger: "schedule",
      refreshEveryMs: { pimGroups: 0 },
    });
    expect(full.manifest.modes.groups).toBe("delta");
    expect(full.manifest.refreshed.pimGroups).toBe("full");
    expect(iso((await s.db.dirGroupSchedule.findFirstOrThrow({ where: { id: bounded.id } })).endAt)).toBe(
      "2027-06-30T00:00:00.000Z",
    );
    expect(await activeRows()).toBe(expected);
  });

  test("without the PIM for Groups permissions the sync skips the kind: campaigns over groups wait for it, others start and say what was not read", async () => {
    const read = (roles: string[]) => s.control("POST", `/apps/${s.emu.config.clientId}/permissions`, { roles });
    await read(RECERT_GRAPH_PERMISSIONS.filter((p) => !p.startsWith("Privileged")));
    try {
      const r = await runSync({
        db: s.db,
        graph: s.graph(),
        tenantId: s.tenantId,
        databaseUrl: s.database.url,
        trigger: "manual",
      });
      expect(r.manifest.skipped).toEqual([
        expect.objectContaining({ kind: "pimGroups", reason: expect.stringContaining("Authorization_RequestDenied") }),
      ]);
      // The rows an earlier sync stored stay, but this sync could not confirm them.
      expect(await s.db.dirGroupSchedule.count()).toBeGreaterThan(0);
      // Eligible members may exist unseen: a campaign over groups is refused, and stays a draft.
      const groups = await createCampaign(ctx, ADMIN, roleAssignablePreset());
      await expect(startCampaign(ctx, ADMIN, groups.campaignId)).rejects.toThrow(/could not read PIM for Groups/);
      expect((await s.db.campaign.findUniqueOrThrow({ where: { id: groups.campaignId } })).status).toBe("draft");
      // A campaign over directory roles starts, and its report says what the sync did not read.
      const preset = quarterlyPreset(new Date());
      preset.config.scope = { kind: "directoryRoles", groupIds: [] };
      const { campaignId } = await createCampaign(ctx, ADMIN, preset);
      expect((await startCampaign(ctx, ADMIN, campaignId)).itemCount).toBeGreaterThan(0);
      expect((await reportHeader(ctx, campaignId, { scan: false })).unread).toEqual([
        expect.stringMatching(/^PIM for Groups \(eligible group members not reviewed\): .*Authorization_RequestDenied/),
      ]);
    } finally {
      await read(RECERT_GRAPH_PERMISSIONS);
    }
  });
});
