/**
 * PIM for Groups beyond role-assignable groups (#19), against the emulator and a real database (both engines): an
 * admin names the other groups PIM governs; the sync reads their schedules only then, and campaigns review their
 * eligible members. Bad lists are refused whole, with nothing saved.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { UserError } from "@/lib/errors";
import { reportHeader } from "@/lib/reports/data";
import { setup } from "@/tests/support/emulator-fixture";
import { createCampaign, quarterlyPreset, startCampaign, type Actor } from "@/lib/reviews";
import { GOVERNED_GROUPS_KEY, governedGroups, MAX_GOVERNED_GROUPS, saveGovernedGroups } from "./governed-groups";

let s: Awaited<ReturnType<typeof setup>>;
const ADMIN: Actor = { id: "admin-oid", name: "Ada Admin", role: "admin" };

beforeAll(async () => {
  s = await setup();
  await s.syncNow();
});
afterAll(async () => {
  await s?.close();
});

const setting = async () => (await s.db.appSetting.findUnique({ where: { key: GOVERNED_GROUPS_KEY } }))?.value ?? null;

describe("groups governed by PIM beyond the role-assignable ones", () => {
  test("a list with a bad id, an unknown group, a distribution list or too many groups is refused whole", async () => {
    const t = s.emu.tenant;
    const security = t.groups.find((g) => !g.isAssignableToRole && g.groupTypes.length === 0 && g.securityEnabled)!;
    const list = t.groups.find((g) => !g.securityEnabled && g.mailEnabled && g.groupTypes.length === 0);
    const dynamic = t.groups.find((g) => g.groupTypes.includes("DynamicMembership"));
    // One group as a hybrid tenant's synchronized group (what the last sync recorded is what the check reads).
    const onPremises = t.groups.find((g) => g.id !== security.id && !g.isAssignableToRole && g.securityEnabled)!;
    await s.db.dirGroup.update({ where: { id: onPremises.id }, data: { onPremisesSyncEnabled: true } });
    const attempts = [
      ...(dynamic ? [`${security.id}\n${dynamic.id}`] : []),
      `${security.id}\n${onPremises.id}`,
      `${security.id}\nnot-a-guid`,
      `${security.id}, 00000000-0000-4000-8000-00000000dead`,
      ...(list ? [`${security.id} ${list.id}`] : []),
      Array.from(
        { length: MAX_GOVERNED_GROUPS + 1 },
        (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      ).join("\n"),
    ];
    for (const text of attempts) {
      await expect(saveGovernedGroups(s.ctx, ADMIN, text)).rejects.toBeInstanceOf(UserError);
      await expect(saveGovernedGroups(s.ctx, ADMIN, text)).rejects.toThrow(/Nothing was saved\./);
    }
    expect(list).toBeDefined();
    expect(dynamic).toBeDefined();
    expect(await setting()).toBeNull();
    await s.db.dirGroup.update({ where: { id: onPremises.id }, data: { onPremisesSyncEnabled: false } });
    expect(await s.db.auditEvent.count({ where: { action: "settings.pimGroups" } })).toBe(0);
  });

  test("a stored list is read as lower-case GUIDs only, whatever was written into the setting", async () => {
    const g = s.emu.tenant.groups.find((x) => !x.isAssignableToRole && x.securityEnabled)!;
    await s.db.appSetting.create({
      data: {
        key: GOVERNED_GROUPS_KEY,
        value: JSON.stringify({ groupIds: [g.id.toUpperCase(), "x') OR 1=1 --", 42, g.id] }),
      },
    });
    try {
      expect((await governedGroups(s.ctx)).map((x) => x.id)).toEqual([g.id]);
    } finally {
      await s.db.appSetting.delete({ where: { key: GOVERNED_GROUPS_KEY } });
    }
  });

  test("a named group's eligible members are synced and reviewed; unnamed, they are not read", async () => {
    const t = s.emu.tenant;
    const g = t.groups.find(
      (x) => !x.isAssignableToRole && x.groupTypes.length === 0 && x.securityEnabled && !x.membershipRule,
    )!;
    const person = t.users.find((u) => u.accountEnabled && u.userType === "Member" && !g.members.has(u.id))!;
    // Someone else activated their membership an hour ago: a member now, until the activation ends.
    const activator = t.users.find(
      (u) => u.accountEnabled && u.userType === "Member" && !g.members.has(u.id) && u.id !== person.id,
    )!;
    // PIM governs this ordinary security group in Entra; its eligibility is listed only when asked by group.
    g.pimOnboarded = true;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    const schedule = {
      id: `${g.id}_member_${crypto.randomUUID()}`,
      kind: "eligible" as const,
      groupId: g.id,
      principalId: person.id,
      accessId: "member" as const,
      createdDateTime: now,
      startDateTime: now,
      endDateTime: null,
    };
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const activation = {
      id: crypto.randomUUID(),
      kind: "active" as const,
      assignmentType: "Activated" as const,
      groupId: g.id,
      principalId: activator.id,
      accessId: "member" as const,
      createdDateTime: hourAgo,
      startDateTime: hourAgo,
      endDateTime: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    };
    t.groupSchedules.push(schedule, {
      ...schedule,
      id: `${g.id}_member_${crypto.randomUUID()}`,
      principalId: activator.id,
    });
    t.groupSchedules.push(activation);
    g.members.add(activator.id);
    await s.syncNow();
    expect(await s.db.dirGroupSchedule.count({ where: { id: schedule.id } })).toBe(0);

    // Named (twice, in upper case: one id, stored lower case), with a role-assignable group read anyway.
    const roleAssignable = t.groups.find((x) => x.isAssignableToRole)!;
    const saved = await saveGovernedGroups(s.ctx, ADMIN, `${g.id.toUpperCase()}\n${g.id}, ${roleAssignable.id}`);
    expect(saved).toEqual({ groupIds: [g.id, roleAssignable.id], roleAssignable: 1 });
    expect(await governedGroups(s.ctx)).toEqual([
      { id: g.id, name: g.displayName, found: true },
      { id: roleAssignable.id, name: roleAssignable.displayName, found: true },
    ]);
    const events = await s.db.auditEvent.findMany({ where: { action: "settings.pimGroups" } });
    expect(events.map((e) => JSON.parse(e.after ?? "{}"))).toEqual([{ groupIds: [g.id, roleAssignable.id] }]);

    // The next sync (a delta, between full reads) reads the newly named group's assignment schedules at once.
    const r = await s.syncNow();
    const run = await s.db.syncRun.findUniqueOrThrow({ where: { id: r } });
    expect(JSON.parse(run.manifest ?? "{}")).toMatchObject({
      modes: { groups: "delta" },
      refreshed: { pimGroups: "full" },
      pimGroupsNamed: [g.id, roleAssignable.id],
    });
    const row = await s.db.dirGroupSchedule.findUnique({ where: { id: schedule.id } });
    expect(row).toMatchObject({ groupId: g.id, principalId: person.id, kind: "eligible", accessId: "member" });
    expect(await s.db.dirGroupSchedule.count({ where: { id: activation.id } })).toBe(1);

    const preset = quarterlyPreset(new Date());
    preset.config.scope = { kind: "groups", groupIds: [g.id] };
    const { campaignId } = await createCampaign(s.ctx, ADMIN, preset);
    await startCampaign(s.ctx, ADMIN, campaignId);
    const items = await s.db.campaignItem.findMany({ where: { campaignId, principalId: person.id } });
    expect(items.map((i) => `${i.resourceType} ${i.accessId}`)).toEqual([`groupEligible ${schedule.id}`]);
    // The activated member's item is their eligibility, not the membership the activation gave them.
    const theirs = await s.db.campaignItem.findMany({ where: { campaignId, principalId: activator.id } });
    expect(theirs.map((i) => i.resourceType)).toEqual(["groupEligible"]);
    // The report says which groups' PIM schedules its sync asked, and what it did not.
    expect((await reportHeader(s.ctx, campaignId, { scan: false })).unread).toEqual([
      "PIM for Groups of groups that are neither role-assignable nor among the 2 named in Settings: not asked (their eligible members are not items)",
    ]);

    // While the campaign reviews its eligible members, the group stays named (un-named, the next sync would no longer
    // read its schedules, and the items would look gone from Entra).
    await expect(saveGovernedGroups(s.ctx, ADMIN, roleAssignable.id)).rejects.toThrow(
      /Still under review .*in an open campaign: .*Nothing was saved\./,
    );
    expect(JSON.parse((await setting())!).groupIds).toEqual([g.id, roleAssignable.id]);
    await s.db.campaign.update({ where: { id: campaignId }, data: { status: "applied" } });

    // Named no more: the next sync no longer holds its schedules, eligible or active.
    await saveGovernedGroups(s.ctx, ADMIN, "");
    await s.syncNow();
    expect(await s.db.dirGroupSchedule.count({ where: { id: schedule.id } })).toBe(0);
    expect(await s.db.dirGroupSchedule.count({ where: { id: activation.id } })).toBe(0);
    const { campaignId: later } = await createCampaign(s.ctx, ADMIN, preset);
    await startCampaign(s.ctx, ADMIN, later);
    expect(await s.db.campaignItem.count({ where: { campaignId: later, principalId: person.id } })).toBe(0);
    expect((await reportHeader(s.ctx, later, { scan: false })).unread).toEqual([
      "PIM for Groups of groups that are not role-assignable: not asked (their eligible members are not items; name the groups PIM governs in Settings)",
    ]);
  });
});
