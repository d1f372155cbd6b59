/**
 * PIM for directory roles (#19) against the emulator and a real database (both engines): the sync holds the
 * eligibilities and active schedules Graph lists, a campaign over directory roles reviews eligibilities and time-bound
 * assignments with their end dates, a revoked eligibility is removed through PIM's adminRemove (and one removed
 * meanwhile is "already removed" only after a read agrees), and a tenant without P2 syncs without PIM data.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { userDetail } from "@/lib/directory/detail";
import { runSync } from "@/lib/sync/run-sync";
import { setup } from "@/tests/support/emulator-fixture";
import {
  applyCampaign,
  closeCampaign,
  createCampaign,
  forceDecision,
  quarterlyPreset,
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

describe("PIM for directory roles", () => {
  test("the sync holds every eligibility and every active schedule Graph lists, with their ends; the directory shows them", async () => {
    const t = s.emu.tenant;
    const rows = await s.db.dirRoleSchedule.findMany({ where: { tenantId: s.tenantId } });
    const eligible = rows
      .filter((r) => r.kind === "eligible")
      .map((r) =>
        [r.id, r.principalId, r.principalType, r.roleDefinitionId, r.directoryScopeId, iso(r.endAt)].join(" "),
      )
      .sort();
    const kindOf = (id: string) => (t.userById.has(id) ? "user" : t.groupById.has(id) ? "group" : "servicePrincipal");
    expect(eligible).toEqual(
      t.roleEligibilities
        .map((e) =>
          [e.id, e.principalId, kindOf(e.principalId), e.roleDefinitionId, e.directoryScopeId, iso(e.endDateTime)].join(
            " ",
          ),
        )
        .sort(),
    );
    // The generated tenant has permanent and time-bound eligibilities, one of a group and one of a disabled account.
    expect(t.roleEligibilities.some((e) => e.endDateTime) && t.roleEligibilities.some((e) => !e.endDateTime)).toBe(
      true,
    );
    expect(rows.some((r) => r.kind === "eligible" && r.principalType === "group")).toBe(true);
    expect(t.roleEligibilities.some((e) => t.userById.get(e.principalId)?.accountEnabled === false)).toBe(true);

    const active = rows.filter((r) => r.kind === "active");
    expect(active).toHaveLength(t.roleAssignments.length);
    const ends = (list: { endAt?: string | Date | null }[]) =>
      list
        .map((x) => iso(x.endAt))
        .filter(Boolean)
        .sort();
    expect(ends(active)).toEqual(ends(t.roleAssignments.map((a) => ({ endAt: a.endDateTime }))));
    expect(ends(active)).toHaveLength(2);
    expect(active.every((r) => r.assignmentType === "Assigned" && r.memberType === "Direct")).toBe(true);

    const e = t.roleEligibilities.find((x) => t.userById.has(x.principalId) && x.endDateTime)!;
    const d = await userDetail(ctx, e.principalId);
    expect(d!.roles.map((r) => r.state)).toContain(`Eligible until ${e.endDateTime!.slice(0, 10)}`);
  });

  test("a campaign over directory roles reviews eligibilities and time-bound assignments; a revoked eligibility is removed through adminRemove", async () => {
    const t = s.emu.tenant;
    const preset = quarterlyPreset(new Date());
    preset.config.scope = { kind: "directoryRoles", groupIds: [] };
    const { campaignId } = await createCampaign(ctx, ADMIN, preset);
    await startCampaign(ctx, ADMIN, campaignId);
    const items = await s.db.campaignItem.findMany({ where: { campaignId }, orderBy: { ordinal: "asc" } });
    const eligibleItems = items.filter((i) => i.resourceType === "directoryRoleEligible");
    const held = (a: { principalId: string }) => t.userById.has(a.principalId) || t.groupById.has(a.principalId);
    expect(eligibleItems.map((i) => i.accessId).sort()).toEqual(
      t.roleEligibilities
        .filter(held)
        .map((e) => e.id)
        .sort(),
    );
    for (const i of eligibleItems)
      expect(i.accessDetail).toMatch(/^eligible( until \d{4}-\d{2}-\d{2})? · tenant-wide$/);
    const timeBound = items.filter(
      (i) => i.resourceType === "directoryRole" && i.accessDetail?.startsWith("active until"),
    );
    expect(timeBound).toHaveLength(2);

    // Two eligibilities revoked; one of them is removed in Entra by someone else before the apply.
    const [first, second] = eligibleItems.filter((i) => t.userById.has(i.principalId));
    expect(second).toBeDefined();
    // And a time-bound assignment: PIM's too, removed through roleAssignmentScheduleRequests.
    const bounded = timeBound[0]!;
    expect(
      await forceDecision(
        ctx,
        ADMIN,
        campaignId,
        [first!.id, second!.id, bounded.id],
        "revoke",
        "No longer needs the role",
      ),
    ).toBe(3);
    await closeCampaign(ctx, ADMIN, campaignId);
    t.roleEligibilities = t.roleEligibilities.filter((e) => e.id !== second!.accessId);
    const writesBefore = ((await s.control("GET", "/writes")).value as { method: string; path: string }[]).length;

    const summary = await applyCampaign(ctx, ADMIN, campaignId, s.writeClient());
    expect(summary).toMatchObject({ applied: 2, alreadyRemoved: 1, failed: 0 });
    expect(t.roleEligibilities.some((e) => e.id === first!.accessId)).toBe(false);
    expect(t.roleAssignments.some((a) => a.id === bounded.accessId)).toBe(false);
    // Graph no longer lists it.
    const listed: string[] = [];
    for await (const page of s
      .writeClient()
      .pages<{ id: string }>("/roleManagement/directory/roleEligibilitySchedules", {}))
      listed.push(...page.map((e) => e.id));
    expect(listed).not.toContain(first!.accessId);
    expect(listed.length).toBe(t.roleEligibilities.length);
    // One adminRemove per item: the applied one and the one Graph answered RoleAssignmentDoesNotExist.
    const writes = ((await s.control("GET", "/writes")).value as { method: string; path: string; status: number }[])
      .slice(writesBefore)
      .map((w) => `${w.method} ${w.path.replace(/^.*\/roleManagement\/directory\//, "")} ${w.status}`);
    expect(writes.sort()).toEqual([
      "POST roleAssignmentScheduleRequests 201",
      "POST roleEligibilityScheduleRequests 201",
      "POST roleEligibilityScheduleRequests 400",
    ]);
    const after = await s.db.campaignItem.findMany({ where: { id: { in: [first!.id, second!.id] } } });
    expect(after.map((i) => [i.id, i.applyStatus]).sort()).toEqual(
      [
        [first!.id, "applied"],
        [second!.id, "alreadyRemoved"],
      ].sort(),
    );
    const events = await s.db.auditEvent.findMany({ where: { action: "graph.write", targetId: first!.id } });
    expect(events).toHaveLength(1);
    expect(events[0]!.after).toContain("removeRoleEligibility");

    // The next sync no longer holds the removed eligibility.
    await s.syncNow();
    expect(await s.db.dirRoleSchedule.count({ where: { id: first!.accessId } })).toBe(0);
  });

  test("a tenant without Entra ID P2: PIM is skipped with Graph's licence error, and campaigns still start", async () => {
    await s.control("POST", "/licence", { sku: "P1" });
    try {
      const r = await runSync({
        db: s.db,
        graph: s.graph(),
        tenantId: s.tenantId,
        databaseUrl: s.database.url,
        trigger: "manual",
      });
      // PIM for Groups needs P2 as well (the same licence error).
      expect(r.manifest.skipped).toHaveLength(2);
      expect(r.manifest.skipped).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: "pimGroups", reason: expect.stringContaining("AadPremiumLicenseRequired") }),
          expect.objectContaining({ kind: "pim", reason: expect.stringContaining("AadPremiumLicenseRequired") }),
        ]),
      );
      const preset = quarterlyPreset(new Date());
      preset.config.scope = { kind: "directoryRoles", groupIds: [] };
      const { campaignId } = await createCampaign(ctx, ADMIN, preset);
      expect((await startCampaign(ctx, ADMIN, campaignId)).itemCount).toBeGreaterThan(0);
      // The schedules an earlier (P2) sync stored are still in the database, but this sync could not confirm them:
      // no eligibility is reviewed from them, and no active assignment shows an end date read from them.
      expect(await s.db.dirRoleSchedule.count()).toBeGreaterThan(0);
      const items = await s.db.campaignItem.findMany({ where: { campaignId } });
      expect(items.filter((i) => i.resourceType === "directoryRoleEligible")).toEqual([]);
      expect(items.filter((i) => i.accessDetail?.includes("until"))).toEqual([]);
    } finally {
      await s.control("POST", "/licence", { sku: "P2" });
    }
  });
});
