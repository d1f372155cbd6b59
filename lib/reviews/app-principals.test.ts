/**
 * Apps as principals (#19) against the emulator and a real database (both engines): the sync holds who owns each
 * service principal and each app registration; a campaign over apps and directory roles reviews the Microsoft Graph application permissions and
 * the directory role an app holds, each item going to the app's owners (the fallback reviewers for an ownerless app);
 * an owner's revocation removes the app's access in Entra, and nobody else may decide it.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { UserError } from "@/lib/errors";
import { RECERT_GRAPH_PERMISSIONS } from "@/emulator/tenant/roles";
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

  test("the sync holds the owners of the tenant's app registrations, with the appId that names their service principal", async () => {
    const t = s.emu.tenant;
    const rows = await s.db.dirApplicationOwner.findMany({ where: { tenantId: s.tenantId } });
    const expected = t.applications.flatMap((a) => a.owners.map((o) => `${a.id} ${a.appId} ${o} user`)).sort();
    expect(rows.map((r) => `${r.applicationId} ${r.appId} ${r.ownerId} ${r.ownerType}`).sort()).toEqual(expected);
    expect(rows.length).toBeGreaterThan(1);
    // An owner removed from a registration in Entra is gone after the next sync; the other registrations' stay.
    const hrApp = t.applications.find((a) => a.displayName === "HR Sync Daemon")!;
    const removed = hrApp.owners.pop()!;
    try {
      await s.syncNow();
      const after = await s.db.dirApplicationOwner.findMany({ where: { tenantId: s.tenantId } });
      expect(after.some((r) => r.ownerId === removed && r.applicationId === hrApp.id)).toBe(false);
      expect(after.length).toBe(rows.length - 1);
    } finally {
      hrApp.owners.push(removed);
      await s.syncNow();
    }
  });

  test("Graph lists registrations only to an app with a permission that reads them", async () => {
    const grant = (roles: string[]) => s.control("POST", `/apps/${s.emu.config.clientId}/permissions`, { roles });
    await grant(RECERT_GRAPH_PERMISSIONS.filter((p) => p !== "Application.Read.All" && p !== "Directory.Read.All"));
    try {
      const read = async () => {
        for await (const _ of s.graph().pages("/applications", { select: ["id", "appId"], top: 999 })) break;
      };
      await expect(read()).rejects.toMatchObject({ code: "Authorization_RequestDenied" });
    } finally {
      await grant(RECERT_GRAPH_PERMISSIONS);
    }
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

    // Reviewers: the HR daemon's owners, of its enterprise app and of its registration (one of them owns both and
    // reviews once); the job, ownerless on both sides, goes to the fallback (the creator).
    const reviewersOf = async (itemId: string) =>
      (await s.db.campaignItemReviewer.findMany({ where: { itemId } })).map((r) => `${r.reviewerId} ${r.relation}`);
    const hrApp = t.applications.find((a) => a.appId === hr.appId)!;
    const registrationOnly = hrApp.owners.filter((o) => !hr.owners!.includes(o));
    expect(registrationOnly.length).toBe(1);
    expect(hrApp.owners.some((o) => hr.owners!.includes(o))).toBe(true);
    for (const i of apps.filter((x) => x.principalId === hr.id))
      expect((await reviewersOf(i.id)).sort()).toEqual(
        [...hr.owners!, ...registrationOnly].map((o) => `${o} app owner`).sort(),
      );
    expect(t.applications.find((a) => a.appId === legacy.appId)?.owners).toEqual([]);
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
