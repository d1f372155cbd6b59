/**
 * Precise scopes (#19) through the admin's form, against the emulator and a real database (both engines): chosen
 * directory roles and their state (active, eligible), chosen apps, and exclusions applied before freezing, which the
 * manifest counts and the report names. Ids that are not this tenant's are refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { reportHeader } from "@/lib/reports";
import { UserError } from "@/lib/errors";
import { campaignForm } from "@/tests/support/campaign-form";
import { setup } from "@/tests/support/emulator-fixture";
import {
  createCampaignFromForm,
  startCampaign,
  ZCampaignForm,
  type Actor,
  type Ctx,
  type TCampaignFormInput,
} from "./index";

let s: Awaited<ReturnType<typeof setup>>;
let ctx: Ctx;
const ADMIN: Actor = { id: "admin-oid", name: "Ada Admin", role: "admin" };
const GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10";

beforeAll(async () => {
  s = await setup();
  ctx = s.ctx;
  await s.syncNow();
});
afterAll(async () => {
  await s?.close();
});

const form = (scope: TCampaignFormInput["scope"]) => campaignForm(scope, "Scoped review");
const started = async (scope: TCampaignFormInput["scope"]) => {
  const { campaignId } = await createCampaignFromForm(ctx, ADMIN, ZCampaignForm.parse(form(scope)));
  await startCampaign(ctx, ADMIN, campaignId);
  return { campaignId, items: await s.db.campaignItem.findMany({ where: { campaignId } }) };
};
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => "accepted",
    (e: unknown) => (e instanceof UserError ? e.message : `not a UserError: ${String(e)}`),
  );

describe("precise scopes", () => {
  test("chosen roles, eligibilities only: one item per eligibility for those roles, nothing else", async () => {
    const t = s.emu.tenant;
    const { items } = await started({ kind: "directoryRoles", roleIds: [GLOBAL_ADMIN], roleStates: ["eligible"] });
    const expected = t.roleEligibilities.filter(
      (e) => e.roleDefinitionId === GLOBAL_ADMIN && (t.userById.has(e.principalId) || t.groupById.has(e.principalId)),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(items.map((i) => i.accessId).sort()).toEqual(expected.map((e) => e.id).sort());
    expect(new Set(items.map((i) => i.resourceType))).toEqual(new Set(["directoryRoleEligible"]));

    // An excluded person holding the role (active or eligible) is no item of a role review either.
    const holder = t.users.find((u) => expected.some((e) => e.principalId === u.id))!;
    const both = await started({
      kind: "directoryRoles",
      roleIds: [GLOBAL_ADMIN],
      excludeUpns: [holder.userPrincipalName],
    });
    expect(both.items.length).toBeGreaterThan(0);
    expect(both.items.filter((i) => i.principalId === holder.id)).toEqual([]);
  });

  test("chosen apps: only their assignments", async () => {
    const t = s.emu.tenant;
    const sp = t.servicePrincipals.find((p) =>
      t.appRoleAssignments.some((a) => a.resourceId === p.id && a.principalType === "User"),
    )!;
    const { items } = await started({ kind: "apps", appIds: [sp.id] });
    expect(items.length).toBeGreaterThan(0);
    expect(new Set(items.map((i) => i.resourceId))).toEqual(new Set([sp.id]));
  });

  test("exclusions leave the break-glass group, its members and a named person out; the manifest counts them and the report names them", async () => {
    const t = s.emu.tenant;
    const breakGlass = t.groups.find((g) => g.displayName === "Break Glass Accounts")!;
    const members = [...breakGlass.members];
    expect(members.length).toBeGreaterThan(0);
    const whole = await started({ kind: "allGroups" });
    // Someone with memberships, outside the break-glass group.
    const person = t.users.find(
      (u) => !members.includes(u.id) && whole.items.filter((i) => i.principalId === u.id).length >= 2,
    )!;
    // Entra's UPNs often carry capitals, and the form lowercases what the admin types: compared without case.
    const mixed = person.userPrincipalName.replace(/^(.)(.*)@/, (_, a: string, b: string) => `${a.toUpperCase()}${b}@`);
    await s.db.dirUser.update({ where: { id: person.id }, data: { userPrincipalName: mixed } });
    const { campaignId, items } = await started({
      kind: "allGroups",
      excludeGroupIds: [breakGlass.id],
      excludeUpns: [person.userPrincipalName],
    });
    const out = new Set([...members, person.id, breakGlass.id]);
    expect(items.filter((i) => out.has(i.principalId) || i.resourceId === breakGlass.id)).toEqual([]);
    // Exactly what the exclusions removed: their memberships everywhere (the group's own items go with it).
    const expectedGone = whole.items.filter((i) => out.has(i.principalId) || i.resourceId === breakGlass.id);
    expect(items.length).toBe(whole.items.length - expectedGone.length);
    const campaign = await s.db.campaign.findUniqueOrThrow({ where: { id: campaignId } });
    const excluded = (JSON.parse(campaign.syncManifest!) as { freeze: { excluded: Record<string, unknown> } }).freeze
      .excluded;
    expect(excluded).toEqual({
      groupIds: [breakGlass.id],
      userIds: [person.id],
      items: whole.items.filter((i) => out.has(i.principalId) && i.resourceId !== breakGlass.id).length,
    });
    const h = await reportHeader(ctx, campaignId);
    expect(h.exclusions?.entries).toEqual([
      `group ${breakGlass.displayName} (${breakGlass.id}) and its members`,
      `user ${mixed} (${person.id})`,
    ]);
  });

  test("several scopes in one campaign: role-assignable groups, one role's eligibilities and one app, each as alone, named together in the report", async () => {
    const t = s.emu.tenant;
    const sp = t.servicePrincipals.find((p) =>
      t.appRoleAssignments.some((a) => a.resourceId === p.id && a.principalType === "User"),
    )!;
    const alone = [
      await started({ kind: "roleAssignableGroups", nested: false }),
      await started({ kind: "directoryRoles", roleIds: [GLOBAL_ADMIN], roleStates: ["eligible"] }),
      await started({ kind: "apps", appIds: [sp.id] }),
    ];
    const { campaignId, items } = await started({
      kind: "roleAssignableGroups",
      nested: false,
      also: ["directoryRoles", "apps"],
      roleIds: [GLOBAL_ADMIN],
      roleStates: ["eligible"],
      appIds: [sp.id],
    });
    const key = (i: { resourceType: string; resourceId: string; principalId: string; accessId: string }) =>
      `${i.resourceType} ${i.resourceId} ${i.principalId} ${i.accessId}`;
    // Exactly the union of the three campaigns, each scope narrowed as it would be alone.
    expect(items.map(key).sort()).toEqual(alone.flatMap((a) => a.items.map(key)).sort());
    expect(new Set(items.map((i) => i.resourceType))).toEqual(
      new Set(["group", "groupEligible", "groupOwnerEligible", "directoryRoleEligible", "app"]),
    );
    // Ordinals run through the whole campaign once.
    expect(items.map((i) => i.ordinal).sort((a, b) => a - b)).toEqual(items.map((_, k) => k + 1));
    const h = await reportHeader(ctx, campaignId);
    expect(h.scope).toBe(
      "Role-assignable groups + Directory roles: active and eligible (PIM) (1 chosen role(s), eligible only) + Enterprise app assignments (1 chosen app(s))",
    );
  });

  test("ids that are not this tenant's, and unknown people, are refused before anything is created", async () => {
    const before = await s.db.campaign.count();
    const foreign = "00000000-0000-4000-8000-000000000001";
    expect(
      await refusal(
        createCampaignFromForm(ctx, ADMIN, ZCampaignForm.parse(form({ kind: "directoryRoles", roleIds: [foreign] }))),
      ),
    ).toBe("Some chosen roles are not in this tenant's directory.");
    expect(
      await refusal(createCampaignFromForm(ctx, ADMIN, ZCampaignForm.parse(form({ kind: "apps", appIds: [foreign] })))),
    ).toBe("Some chosen apps are not in this tenant's directory.");
    expect(
      await refusal(
        createCampaignFromForm(
          ctx,
          ADMIN,
          ZCampaignForm.parse(form({ kind: "allGroups", excludeGroupIds: [foreign] })),
        ),
      ),
    ).toBe("Some excluded groups are not in this tenant's directory.");
    expect(
      await refusal(
        createCampaignFromForm(
          ctx,
          ADMIN,
          ZCampaignForm.parse(form({ kind: "allGroups", excludeUpns: ["nobody@example.com"] })),
        ),
      ),
    ).toBe("Not users of this tenant: nobody@example.com.");
    const g = s.emu.tenant.groups[0]!.id;
    expect(
      await refusal(
        createCampaignFromForm(
          ctx,
          ADMIN,
          ZCampaignForm.parse(form({ kind: "groups", groupIds: [g], excludeGroupIds: [g] })),
        ),
      ),
    ).toBe("A group cannot be both chosen and excluded.");
    expect(
      ZCampaignForm.safeParse(form({ kind: "allGroups", excludeUpns: Array(201).fill("a@example.com") })).success,
    ).toBe(false);
    expect(
      ZCampaignForm.safeParse(form({ kind: "allGroups", excludeUpns: Array(200).fill("a@example.com") })).success,
    ).toBe(true);
    expect(ZCampaignForm.safeParse(form({ kind: "directoryRoles", roleStates: [] })).success).toBe(false);
    // Several scopes: at most one of each family, and chosen ids are checked in a further scope too.
    expect(
      await refusal(
        createCampaignFromForm(ctx, ADMIN, ZCampaignForm.parse(form({ kind: "allGroups", also: ["allM365Groups"] }))),
      ),
    ).toContain("at most one scope of groups, one of directory roles and one of apps");
    expect(
      await refusal(
        createCampaignFromForm(
          ctx,
          ADMIN,
          ZCampaignForm.parse(form({ kind: "allGroups", also: ["apps"], appIds: [foreign] })),
        ),
      ),
    ).toBe("Some chosen apps are not in this tenant's directory.");
    expect(
      ZCampaignForm.safeParse(form({ kind: "allGroups", also: ["apps", "directoryRoles", "groups"] })).success,
    ).toBe(false);
    expect(ZCampaignForm.safeParse(form({ kind: "allGroups", excludeGroupIds: ["../etc/passwd"] })).success).toBe(
      false,
    );
    expect(await s.db.campaign.count()).toBe(before);
  });
});
