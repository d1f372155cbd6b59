/**
 * Apps as principals (#19) against the emulator and a real database (both engines): the sync holds who owns each
 * service principal; a campaign over apps and directory roles reviews the Microsoft Graph application permissions and
 * the directory role an app holds, each item going to the app's owners (the fallback reviewers for an ownerless app);
 * an owner's revocation removes the app's access in Entra, and nobody else may decide it.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { UserError } from "@/lib/errors";
import { campaignForm } from "@/tests/support/campaign-form";
import { setup } from "@/tests/support/emulator-fixture";
import {
  applyCampaign,
  closeCampaign,
  createCampaignFromForm,
  decide,
  startCampaign,
  ZCampaignForm,
  type Actor,
  type Ctx,
} from "./index";

let s: Awaited<ReturnType<typeof setup>>;
let ctx: Ctx;
const ADMIN: Actor = { id: "admin-oid", name: "Ada Admin", role: "admin" };
const USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1";

beforeAll(async () => {
  s = await setup();
  ctx = s.ctx;
  await s.syncNow();
});
afterAll(async () => {
  await s?.close();
});

describe("apps as principals", () => {
  test("the sync holds every service principal's owners", async () => {
    const t = s.emu.tenant;
    const rows = await s.db.dirServicePrincipalOwner.findMany({ where: { tenantId: s.tenantId } });
    expect(rows.map((r) => `${r.servicePrincipalId} ${r.ownerId} ${r.ownerType}`).sort()).toEqual(
      t.servicePrincipals.flatMap((p) => (p.owners ?? []).map((o) => `${p.id} ${o} user`)).sort(),
    );
    expect(rows.length).toBeGreaterThan(2);
  });

  test("a campaign over Microsoft Graph's assignments and the User Administrator role reviews the apps holding them, each by its owners", async () => {
    const t = s.emu.tenant;
    const graph = t.servicePrincipals.find((p) => p.displayName === "Microsoft Graph")!;
    const hr = t.servicePrincipals.find((p) => p.displayName === "HR Sync Daemon")!;
    const legacy = t.servicePrincipals.find((p) => p.displayName === "Legacy Reporting Job")!;
    expect(hr.owners!.length).toBeGreaterThan(0);
    expect(legacy.owners).toEqual([]);
    const { campaignId } = await createCampaignFromForm(
      ctx,
      ADMIN,
      ZCampaignForm.parse(
        campaignForm(
          { kind: "apps", appIds: [graph.id], also: ["directoryRoles"], roleIds: [USER_ADMIN], roleStates: ["active"] },
          "Privileged apps",
        ),
      ),
    );
    await startCampaign(ctx, ADMIN, campaignId);
    const items = await s.db.campaignItem.findMany({ where: { campaignId }, orderBy: { ordinal: "asc" } });
    const apps = items.filter((i) => i.principalType === "servicePrincipal");
    // Graph's application permissions of both daemons, and the role the HR daemon holds.
    expect(apps.map((i) => `${i.principalName} · ${i.resourceName} · ${i.accessDetail}`).sort()).toEqual([
      "HR Sync Daemon · Microsoft Graph · GroupMember.Read.All",
      "HR Sync Daemon · Microsoft Graph · User.ReadWrite.All",
      "HR Sync Daemon · User Administrator · active · tenant-wide",
      "Legacy Reporting Job · Microsoft Graph · Directory.Read.All",
    ]);
    expect(new Set(apps.map((i) => i.principalKind))).toEqual(new Set(["servicePrincipal"]));
    // People holding the role are still reviewed as before.
    expect(items.some((i) => i.principalType === "user" && i.resourceId === USER_ADMIN)).toBe(true);

    // Reviewers: the HR daemon's owners for its items; the ownerless job's go to the fallback (the creator).
    const reviewersOf = async (itemId: string) =>
      (await s.db.campaignItemReviewer.findMany({ where: { itemId } })).map((r) => `${r.reviewerId} ${r.relation}`);
    for (const i of apps.filter((x) => x.principalId === hr.id))
      expect((await reviewersOf(i.id)).sort()).toEqual(hr.owners!.map((o) => `${o} app owner`).sort());
    const job = apps.find((i) => i.principalId === legacy.id)!;
    expect(await reviewersOf(job.id)).toEqual([`${ADMIN.id} fallback`]);

    // An owner revokes the daemon's write permission and its role; someone else cannot decide them.
    const owner: Actor = { id: hr.owners![0]!, name: "App owner", role: "reviewer" };
    const write = apps.find((i) => i.principalId === hr.id && i.accessDetail === "User.ReadWrite.All")!;
    const role = apps.find((i) => i.principalId === hr.id && i.resourceId === USER_ADMIN)!;
    const stranger: Actor = {
      id: t.users.find((u) => !hr.owners!.includes(u.id) && u.id !== ADMIN.id)!.id,
      name: "Someone",
      role: "reviewer",
    };
    await expect(
      decide(ctx, stranger, { campaignId, itemIds: [write.id], decision: "revoke", justification: "x" }),
    ).rejects.toBeInstanceOf(UserError);
    await decide(ctx, owner, {
      campaignId,
      itemIds: [write.id, role.id],
      decision: "revoke",
      justification: "The daemon only reads users now",
    });
    await closeCampaign(ctx, ADMIN, campaignId);
    const summary = await applyCampaign(ctx, ADMIN, campaignId, s.writeClient());
    expect(summary).toMatchObject({ applied: 2, failed: 0 });
    expect(t.appRoleAssignments.some((a) => a.id === write.accessId)).toBe(false);
    expect(t.appRoleAssignments.some((a) => a.principalId === hr.id && a.resourceId === graph.id)).toBe(true);
    expect(t.roleAssignments.some((a) => a.id === role.accessId)).toBe(false);
  });

  test("an app has no manager: a managers stage sends its items to the fallback reviewers, not to its owners again", async () => {
    const t = s.emu.tenant;
    const graph = t.servicePrincipals.find((p) => p.displayName === "Microsoft Graph")!;
    const form = campaignForm({ kind: "apps", appIds: [graph.id] }, "Apps by managers");
    form.stages = [{ reviewers: "managers", durationDays: 7 }];
    const { campaignId } = await createCampaignFromForm(ctx, ADMIN, ZCampaignForm.parse(form));
    await startCampaign(ctx, ADMIN, campaignId);
    const items = await s.db.campaignItem.findMany({ where: { campaignId, principalType: "servicePrincipal" } });
    expect(items.length).toBeGreaterThan(0);
    for (const i of items)
      expect((await s.db.campaignItemReviewer.findMany({ where: { itemId: i.id } })).map((r) => r.relation)).toEqual([
        "fallback",
      ]);
  });
});
