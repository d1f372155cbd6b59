/** A session's standing comes from the last sync of Entra, not from the claims it was issued with (#16). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSync } from "@/lib/sync/run-sync";
import { setup } from "@/tests/support/emulator-fixture";
import { revokeSessions, standingOf } from "./standing";

let s: Awaited<ReturnType<typeof setup>>;
const sync = async () =>
  expect(
    (await runSync({ db: s.db, graph: s.graph(), tenantId: s.tenantId, trigger: "manual", mode: "full" })).status,
  ).toBe("succeeded");
const recert = () => {
  const app = s.emu.tenant.apps.find((a) => a.clientId === s.emu.config.clientId)!;
  const sp = s.emu.tenant.spById.get(app.servicePrincipalId)!;
  return { sp, role: (v: string) => sp.appRoles.find((r) => r.value === v)!.id };
};
const userId = (upn: string) => s.emu.tenant.users.find((u) => u.userPrincipalName === upn)!.id;

beforeAll(async () => {
  s = await setup({ users: 300 });
});
afterAll(async () => {
  await s?.close();
});

describe("standingOf", () => {
  it("keeps the session's role until a sync has seen Recert's service principal", async () => {
    expect(
      await standingOf(s.ctx, {
        userId: userId("admin@contoso.onmicrosoft.com"),
        clientId: s.emu.config.clientId,
        signedInAt: Date.now(),
      }),
    ).toEqual({ ok: true, role: null });
  });

  it("follows Recert's app role assignments in Entra: removed, re-granted, and through a group's direct members", async () => {
    await sync();
    const admin = userId("admin@contoso.onmicrosoft.com");
    const at = { clientId: s.emu.config.clientId, signedInAt: Date.now() };
    expect(await standingOf(s.ctx, { userId: admin, ...at })).toEqual({ ok: true, role: "admin" });
    const { sp, role } = recert();
    const g = s.writeClient(); // stands in for an Entra admin (it holds AppRoleAssignment.ReadWrite.All)
    const mine = s.emu.tenant.appRoleAssignments.find(
      (a) => a.resourceId === sp.id && a.principalId === admin && a.appRoleId === role("Recert.Admin"),
    )!;
    expect((await g.send("DELETE", `/servicePrincipals/${sp.id}/appRoleAssignedTo/${mine.id}`)).status).toBe(204);
    await sync();
    expect(await standingOf(s.ctx, { userId: admin, ...at })).toEqual({ ok: true, role: "reviewer" });
    // An auditor role through a group the user is a direct member of.
    const group = s.emu.tenant.groups.find((x) => x.members.has(admin) && !x.groupTypes.includes("DynamicMembership"))!;
    expect(
      (
        await g.send("POST", `/servicePrincipals/${sp.id}/appRoleAssignedTo`, {
          principalId: group.id,
          resourceId: sp.id,
          appRoleId: role("Recert.Auditor"),
        })
      ).status,
    ).toBe(201);
    await sync();
    expect(await standingOf(s.ctx, { userId: admin, ...at })).toEqual({ ok: true, role: "auditor" });
    expect(
      (
        await g.send("POST", `/servicePrincipals/${sp.id}/appRoleAssignedTo`, {
          principalId: admin,
          resourceId: sp.id,
          appRoleId: role("Recert.Admin"),
        })
      ).status,
    ).toBe(201);
    await sync();
    expect(await standingOf(s.ctx, { userId: admin, ...at })).toEqual({ ok: true, role: "admin" });
  });

  it("ends the standing of a disabled account, of someone no longer in the directory, and of a signed-out session", async () => {
    const auditor = userId("auditor@contoso.onmicrosoft.com");
    const at = { clientId: s.emu.config.clientId, signedInAt: Date.now() - 1_000 };
    await s.control("PATCH", `/users/${auditor}`, { accountEnabled: false });
    await sync();
    expect(await standingOf(s.ctx, { userId: auditor, ...at })).toMatchObject({
      ok: false,
      reason: "account disabled",
    });
    await s.control("PATCH", `/users/${auditor}`, { accountEnabled: true });
    await sync();
    expect(await standingOf(s.ctx, { userId: auditor, ...at })).toEqual({ ok: true, role: "auditor" });
    expect(await standingOf(s.ctx, { userId: "00000000-0000-4000-8000-000000000001", ...at })).toMatchObject({
      ok: false,
      reason: "not in the directory",
    });
    await s.db.principal.create({
      data: {
        id: auditor,
        tenantId: s.tenantId,
        displayName: "Auditor",
        upn: "auditor@contoso.onmicrosoft.com",
        role: "auditor",
      },
    });
    await revokeSessions(s.ctx, auditor);
    expect(await standingOf(s.ctx, { userId: auditor, ...at })).toMatchObject({ ok: false, reason: "signed out" });
    // A sign-in after the sign-out is a new session.
    expect(await standingOf(s.ctx, { userId: auditor, ...at, signedInAt: Date.now() + 1_000 })).toEqual({
      ok: true,
      role: "auditor",
    });
  });
});
