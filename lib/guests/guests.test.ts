import { WRITE_CLIENT_ID } from "@/tests/support/write-app";
import { UserError } from "@/lib/errors";
import { flagReturnedExpiries } from "./expiry";
/**
 * Guests against the emulator and a real database: the inventory's filters equal figures derived from the
 * emulator's tenant; an expiry for a contractor company warns sponsors before the date, removes memberships
 * and app roles and blocks sign-in at the date, records a partial Graph failure and retries only that, and
 * never acts twice.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runSync } from "@/lib/sync/run-sync";
import { setup } from "@/tests/support/emulator-fixture";
import { verifyChain } from "@/lib/audit";
import {
  CONFIRM_MEMBERS,
  cancelExpiry,
  expiryPlan,
  expiryPreview,
  extendExpiry,
  listGuests,
  runExpiries,
  setExpiry,
  ZGuestQuery,
  type GuestsActor,
} from "./index";
import type { Ctx } from "@/lib/db/context";

let s: Awaited<ReturnType<typeof setup>>;
let ctx: Ctx;
const ADMIN: GuestsActor = { id: "6f1c3a9e-2222-4222-8222-222222222222", name: "Ada Admin", role: "admin" };
const DAY = 86_400_000;
const graph = () => s.writeClient();

beforeAll(async () => {
  s = await setup();
  ctx = s.ctx;
  await runSync({ db: s.db, graph: s.graph(), tenantId: s.tenantId, databaseUrl: s.database.url, trigger: "manual" });
});
afterAll(async () => {
  await s?.close();
});

describe("guest inventory", () => {
  test("filters equal the emulator's tenant", async () => {
    const t = s.emu.tenant;
    const guests = t.users.filter((u) => u.userType === "Guest");
    const all = await listGuests(s.ctx, ZGuestQuery.parse({}), { all: true });
    expect(all.total).toBe(guests.length);
    const pending = await listGuests(s.ctx, ZGuestQuery.parse({ filter: "pending" }), { all: true });
    expect(pending.rows.map((r) => r.id).sort()).toEqual(
      guests
        .filter((g) => g.externalUserState === "PendingAcceptance")
        .map((g) => g.id)
        .sort(),
    );
    const nosponsor = await listGuests(s.ctx, ZGuestQuery.parse({ filter: "nosponsor" }), { all: true });
    expect(nosponsor.rows.map((r) => r.id).sort()).toEqual(
      guests
        .filter((g) => g.sponsorIds.length === 0)
        .map((g) => g.id)
        .sort(),
    );
    const one = all.rows.find((r) => r.groups > 0 && r.sponsors.length > 0)!;
    const g = t.userById.get(one.id)!;
    expect(one.groups).toBe(t.groups.filter((x) => x.members.has(g.id)).length);
    expect(one.sponsors.sort()).toEqual(g.sponsorIds.map((id) => t.userById.get(id)!.displayName).sort());
    expect(all.companies).toContain("Fabrikam");
  });
});

describe("access expiry for a contractor company", () => {
  // The partner company whose guests (all but the first, who gets an extension) hold the most group memberships.
  let company = "";
  const people = () => s.emu.tenant.users.filter((u) => u.companyName === company);
  beforeAll(() => {
    const t = s.emu.tenant;
    const held = (companyName: string) =>
      t.users
        .filter((u) => u.companyName === companyName)
        .slice(1)
        .reduce(
          (n, u) =>
            n + t.groups.filter((g) => g.members.has(u.id) && !g.groupTypes.includes("DynamicMembership")).length,
          0,
        );
    company = [...new Set(t.users.filter((u) => u.userType === "Guest").map((u) => u.companyName!))].sort(
      (a, b) => held(b) - held(a),
    )[0]!;
    expect(held(company)).toBeGreaterThan(0);
  });

  test("refuses bad input and changes nothing", async () => {
    await expect(
      setExpiry(ctx, ADMIN, { companyName: company, expiresAt: new Date(Date.now() - 2 * DAY), reason: "x" }),
    ).rejects.toBeInstanceOf(UserError);
    await expect(
      setExpiry(ctx, ADMIN, { companyName: "No Such Company", expiresAt: new Date(Date.now() + DAY), reason: "x" }),
    ).rejects.toThrow(/Nobody in the directory works for No Such Company/);
    await expect(
      setExpiry(ctx, ADMIN, { userIds: ["../../etc"], expiresAt: new Date(Date.now() + DAY), reason: "x" }),
    ).rejects.toThrow(/Not an object id/);
    await expect(
      setExpiry(ctx, ADMIN, { companyName: company, expiresAt: new Date(Date.now() + DAY), reason: " " }),
    ).rejects.toThrow(/Give a reason/);
    expect(await s.db.accessExpiry.count()).toBe(0);
  });

  test("warns before, removes at the date (a partial failure is retried alone), and never acts twice", async () => {
    const t = s.emu.tenant;
    const expected = people();
    expect(expected.length).toBeGreaterThan(1);
    const heldGroups = expected.reduce(
      (n, u) => n + t.groups.filter((g) => g.members.has(u.id) && !g.groupTypes.includes("DynamicMembership")).length,
      0,
    );
    const heldApps = t.appRoleAssignments.filter((a) => expected.some((u) => u.id === a.principalId)).length;
    expect(heldGroups).toBeGreaterThan(0);
    const now = Date.now();
    const { scheduled } = await setExpiry(ctx, ADMIN, {
      companyName: company,
      expiresAt: new Date(now + 10 * DAY),
      blockSignIn: true,
      reason: "Fabrikam contract ends",
    });
    expect(scheduled).toBe(expected.length);

    // Before the date: sponsors are warned once, nothing is removed. Two passes at once (cron on two hosts) warn each
    // person once between them.
    const passes = await Promise.all([
      runExpiries({ ...ctx, now: () => new Date(now + 5 * DAY) }, graph),
      runExpiries({ ...ctx, now: () => new Date(now + 5 * DAY) }, graph),
    ]);
    const before = {
      warned: passes[0].warned + passes[1].warned,
      executed: [...passes[0].executed, ...passes[1].executed],
    };
    expect(before).toMatchObject({ warned: expected.length, executed: [] });
    const warnings = (
      await s.db.notification.findMany({
        where: { kind: "expiry-warning" },
        select: { recipientId: true, subject: true },
      })
    ).map((n) => `${n.recipientId} ${n.subject}`);
    expect(new Set(warnings).size).toBe(warnings.length);
    const sponsored = expected.find((u) => u.sponsorIds.length)!;
    expect(
      await s.db.notification.count({ where: { recipientId: sponsored.sponsorIds[0]!, kind: "expiry-warning" } }),
    ).toBeGreaterThan(0);
    expect((await runExpiries({ ...ctx, now: () => new Date(now + 6 * DAY) }, graph)).warned).toBe(0);

    // An admin extends one person by a week, with a reason.
    const kept = expected[0]!;
    const e = await s.db.accessExpiry.findFirstOrThrow({ where: { userId: kept.id, status: "scheduled" } });
    await expect(extendExpiry(ctx, ADMIN, e.id, new Date(now + 9 * DAY), "shorter")).rejects.toThrow(
      /later than the current one/,
    );
    await extendExpiry(ctx, ADMIN, e.id, new Date(now + 17 * DAY), "Project extended a week");

    // At the date, without group write permission: memberships fail, app roles and the block succeed.
    const app = t.apps.find((x) => x.clientId === WRITE_CLIENT_ID)!; // the write app expires
    const perms = [...app.graphPermissions];
    await s.control("POST", `/apps/${app.clientId}/permissions`, {
      roles: perms.filter((p) => p !== "GroupMember.ReadWrite.All" && p !== "Group.ReadWrite.All"),
    });
    // Two passes at once at the date: each expiry is executed by one of them, each removal asked of Graph once.
    const writesBefore = await s.db.auditEvent.count({ where: { action: "graph.write.intent" } });
    const both = await Promise.all([
      runExpiries({ ...ctx, now: () => new Date(now + 11 * DAY) }, graph),
      runExpiries({ ...ctx, now: () => new Date(now + 11 * DAY) }, graph),
    ]);
    const at = { executed: [...both[0].executed, ...both[1].executed] };
    const others = expected.filter((u) => u.id !== kept.id);
    expect(at.executed.length).toBe(others.length);
    expect(new Set(at.executed.map((x) => x.expiryId)).size).toBe(others.length);
    const intents = await s.db.auditEvent.findMany({
      where: { action: "graph.write.intent" },
      orderBy: { seq: "asc" },
      skip: writesBefore,
      select: { after: true },
    });
    expect(new Set(intents.map((i) => i.after)).size).toBe(intents.length);
    expect(at.executed.every((x) => x.status === "partial" || x.failed === 0)).toBe(true);
    for (const u of others) {
      expect(t.userById.get(u.id)!.accountEnabled).toBe(false);
      expect(t.appRoleAssignments.some((a) => a.principalId === u.id)).toBe(false);
    }
    expect(t.userById.get(kept.id)!.accountEnabled).toBe(kept.accountEnabled);
    const failed = await s.db.accessExpiryResult.count({ where: { status: "failed" } });
    expect(failed).toBeGreaterThan(0);
    expect((await s.db.accessExpiryResult.findFirstOrThrow({ where: { status: "failed" } })).error).toMatch(/^403 /);

    // Permission restored: only the failures are retried.
    await s.control("POST", `/apps/${app.clientId}/permissions`, { roles: perms });
    const writes = await s.db.auditEvent.count({ where: { action: "graph.write" } });
    const retry = await runExpiries({ ...ctx, now: () => new Date(now + 12 * DAY) }, graph);
    expect(retry.executed.every((x) => x.status === "done" && x.failed === 0)).toBe(true);
    expect((await s.db.auditEvent.count({ where: { action: "graph.write" } })) - writes).toBe(failed);
    for (const u of others)
      expect(t.groups.some((g) => g.members.has(u.id) && !g.groupTypes.includes("DynamicMembership"))).toBe(false);
    // Run again: nothing more happens.
    expect((await runExpiries({ ...ctx, now: () => new Date(now + 13 * DAY) }, graph)).executed).toEqual([]);
    expect(await s.db.auditEvent.count({ where: { action: "graph.write" } })).toBe(writes + failed);
    // The kept person is still scheduled and can be cancelled; a done one cannot.
    await cancelExpiry(ctx, ADMIN, e.id, "Hired as an employee");
    const done = await s.db.accessExpiry.findFirstOrThrow({ where: { status: "done" } });
    await expect(extendExpiry(ctx, ADMIN, done.id, new Date(now + 40 * DAY), "late")).rejects.toThrow(
      /only a scheduled one/,
    );
    expect(heldApps + heldGroups).toBeGreaterThan(0);
    expect((await verifyChain(s.db as never)).ok).toBe(true);
  });
});

describe("access expiry and groups Exchange owns", () => {
  test("a mail-enabled security group membership is left to Exchange with its command, and confirmed once a sync no longer sees it", async () => {
    const t = s.emu.tenant;
    const isMail = (g: (typeof t.groups)[number]) =>
      g.securityEnabled &&
      g.mailEnabled &&
      !g.groupTypes.includes("DynamicMembership") &&
      !g.groupTypes.includes("Unified");
    const user = t.users.find(
      (u) => u.accountEnabled && u.userType === "Member" && t.groups.some((g) => isMail(g) && g.members.has(u.id)),
    )!;
    expect(user).toBeDefined();
    const mailGroups = t.groups.filter((g) => isMail(g) && g.members.has(user.id));
    const otherGroups = t.groups.filter(
      (g) =>
        !isMail(g) &&
        g.members.has(user.id) &&
        !g.groupTypes.includes("DynamicMembership") &&
        !(g.mailEnabled && !g.securityEnabled),
    );
    // Clocks in the past, so the real sync below comes after the expiry's passes, as it would in production.
    const now = Date.now() - 10 * DAY;
    await setExpiry({ ...ctx, now: () => new Date(now) }, ADMIN, {
      userIds: [user.id],
      expiresAt: new Date(now + DAY),
      reason: "Leaves the company",
      confirm: CONFIRM_MEMBERS,
    });

    const at = await runExpiries({ ...ctx, now: () => new Date(now + 2 * DAY) }, graph);
    const mine = at.executed.find((x) => x.userId === user.id)!;
    expect(mine).toMatchObject({ manual: mailGroups.length, failed: 0, status: "partial" });
    for (const g of mailGroups) expect(g.members.has(user.id)).toBe(true);
    for (const g of otherGroups) expect(g.members.has(user.id)).toBe(false);
    const expiry = await s.db.accessExpiry.findFirstOrThrow({ where: { userId: user.id } });
    const manual = await s.db.accessExpiryResult.findMany({ where: { expiryId: expiry.id, status: "manual" } });
    expect(manual.map((r) => r.targetId).sort()).toEqual(mailGroups.map((g) => g.id).sort());
    expect(manual[0]!.error).toContain(
      `Remove-DistributionGroupMember -Identity ${manual[0]!.targetId} -Member ${user.id}`,
    );

    // Another pass sends nothing for them; once removed in Exchange and synced, they are confirmed and the expiry is done.
    const writes = await s.db.auditEvent.count({ where: { action: "graph.write.intent" } });
    expect(
      (await runExpiries({ ...ctx, now: () => new Date(now + 2 * DAY + 60_000) }, graph)).executed.find(
        (x) => x.userId === user.id,
      ),
    ).toMatchObject({ manual: 0, status: "partial" });
    expect(await s.db.auditEvent.count({ where: { action: "graph.write.intent" } })).toBe(writes);
    for (const g of mailGroups) await s.control("DELETE", `/groups/${g.id}/members/${user.id}`);
    await runSync({
      db: s.db,
      graph: s.graph(),
      tenantId: s.tenantId,
      databaseUrl: s.database.url,
      trigger: "manual",
      mode: "full",
    });
    const later = await runExpiries({ ...ctx, now: () => new Date() }, graph);
    expect(later.executed.find((x) => x.userId === user.id)).toMatchObject({ failed: 0, status: "done" });
    expect(await s.db.accessExpiryResult.count({ where: { expiryId: expiry.id, status: "removedManually" } })).toBe(
      mailGroups.length,
    );
    expect(await s.db.auditEvent.count({ where: { action: "expiry.confirmed", targetId: user.id } })).toBe(
      mailGroups.length,
    );
    expect((await verifyChain(s.db as never)).ok).toBe(true);
  });
});

describe("access expiry and groups synced from Active Directory", () => {
  test("an employee's membership of a synced group is left to Active Directory, with its ids-only command", async () => {
    const t = s.emu.tenant;
    const user = t.users.find((u) => u.accountEnabled && u.userType === "Member")!;
    const synced = (await s.control("POST", "/groups", {
      displayName: "AD Payroll",
      securityEnabled: true,
      mailEnabled: false,
      onPremisesSyncEnabled: true,
    })) as { id: string; onPremisesSecurityIdentifier: string };
    await s.control("POST", `/groups/${synced.id}/members`, { id: user.id });
    const sync = () =>
      runSync({ db: s.db, graph: s.graph(), tenantId: s.tenantId, databaseUrl: s.database.url, trigger: "manual" });
    await sync();
    const plan = await expiryPlan(s.db, s.tenantId, user.id, true);
    const item = plan.find((p) => p.targetId === synced.id)!;
    expect(item.manual?.where).toBe("Active Directory");
    expect(item.manual?.command).toBe(
      `Remove-ADGroupMember -Identity ${synced.onPremisesSecurityIdentifier} -Members (Get-MgUser -UserId ${user.id} -Property onPremisesSecurityIdentifier).OnPremisesSecurityIdentifier -Confirm:$false`,
    );
    // The admin's preview says so.
    const preview = await expiryPreview(ctx, { userId: user.id, blockSignIn: true });
    expect(preview.items).toContainEqual({ kind: "group", target: "AD Payroll", manual: "Active Directory" });
    // A cloud security group the user is in is still removed through Graph.
    expect(
      plan.filter((p) => p.kind === "group" && p.targetId !== synced.id && p.manual?.where === "Active Directory"),
    ).toEqual([]);
    await s.control("DELETE", `/groups/${synced.id}`);
    await sync();
  });
});

describe("access expiry of an employee synced from Active Directory", () => {
  test("the sign-in block is an AD task (Graph refuses it), done once a sync shows the account disabled", async () => {
    const created = (await s.control("POST", "/users", {
      displayName: "Hybrid Leaver",
      userPrincipalName: "hybrid.leaver@contoso.onmicrosoft.com",
      onPremisesSyncEnabled: true,
    })) as { id: string; onPremisesSecurityIdentifier: string };
    expect(created.onPremisesSecurityIdentifier).toMatch(/^S-1-5-21-/);
    // Graph refuses the cloud block on a synced account, as it refuses any cloud write on one.
    const patch = await fetch(`${s.emu.url}/v1.0/users/${created.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${await graph().tokens.getToken()}`, "content-type": "application/json" },
      body: JSON.stringify({ accountEnabled: false }),
    });
    expect(patch.status).toBe(400);
    expect(await patch.text()).toMatch(/on-premises mastered Directory Sync objects/);
    const sync = () =>
      runSync({ db: s.db, graph: s.graph(), tenantId: s.tenantId, databaseUrl: s.database.url, trigger: "manual" });
    await sync();

    const now = Date.now() - 10 * DAY;
    await setExpiry({ ...ctx, now: () => new Date(now) }, ADMIN, {
      userIds: [created.id],
      expiresAt: new Date(now + DAY),
      reason: "Leaves the company",
      blockSignIn: true,
      confirm: CONFIRM_MEMBERS,
    });
    const writes = await s.db.auditEvent.count({ where: { action: "graph.write.intent" } });
    const at = await runExpiries({ ...ctx, now: () => new Date(now + 2 * DAY) }, graph);
    expect(at.executed.find((x) => x.userId === created.id)).toMatchObject({ manual: 1, failed: 0, status: "partial" });
    expect(await s.db.auditEvent.count({ where: { action: "graph.write.intent" } })).toBe(writes);
    const expiry = await s.db.accessExpiry.findFirstOrThrow({ where: { userId: created.id } });
    const block = await s.db.accessExpiryResult.findFirstOrThrow({ where: { expiryId: expiry.id, kind: "block" } });
    expect(block.status).toBe("manual");
    expect(block.error).toContain(`Disable-ADAccount -Identity ${created.onPremisesSecurityIdentifier}`);

    // Disabled in AD, synced to Entra (the control plane stands in for Entra Connect): the next pass confirms it.
    await s.control("PATCH", `/users/${created.id}`, { accountEnabled: false });
    await sync();
    const done = await runExpiries({ ...ctx, now: () => new Date(now + 2 * DAY + 60_000) }, graph);
    expect(done.executed.find((x) => x.userId === created.id)).toMatchObject({ manual: 0, status: "done" });
    expect(
      (await s.db.accessExpiryResult.findFirstOrThrow({ where: { expiryId: expiry.id, kind: "block" } })).status,
    ).toBe("removedManually");
    expect((await verifyChain(s.db as never)).ok).toBe(true);
  });
});

describe("access expiry of a synced employee who is deleted meanwhile", () => {
  test("the AD task is confirmed once the account is gone from the directory, and the expiry is done", async () => {
    const created = (await s.control("POST", "/users", {
      displayName: "Hybrid Gone",
      userPrincipalName: "hybrid.gone@contoso.onmicrosoft.com",
      onPremisesSyncEnabled: true,
    })) as { id: string };
    const sync = () =>
      runSync({ db: s.db, graph: s.graph(), tenantId: s.tenantId, databaseUrl: s.database.url, trigger: "manual" });
    await sync();
    const now = Date.now() - 10 * DAY;
    await setExpiry({ ...ctx, now: () => new Date(now) }, ADMIN, {
      userIds: [created.id],
      expiresAt: new Date(now + DAY),
      reason: "Leaves the company",
      blockSignIn: true,
      confirm: CONFIRM_MEMBERS,
    });
    const at = await runExpiries({ ...ctx, now: () => new Date(now + 2 * DAY) }, graph);
    expect(at.executed.find((x) => x.userId === created.id)).toMatchObject({ manual: 1, status: "partial" });
    // Deleted in AD, so gone from Entra at the next sync: nothing is left to block.
    await s.control("DELETE", `/users/${created.id}`);
    await sync();
    const done = await runExpiries({ ...ctx, now: () => new Date(now + 2 * DAY + 60_000) }, graph);
    expect(done.executed.find((x) => x.userId === created.id)).toMatchObject({ manual: 0, status: "done" });
  });
});

// #16: nothing stops a bulk lock-out today; these are the guardrails a security team expects.
describe("guardrails on expiry", () => {
  const soon = () => new Date(Date.now() + 3 * DAY);
  const open = async (userId: string) => s.db.accessExpiry.count({ where: { userId, status: "scheduled" } });

  test("a break-glass account (excluded from every MFA policy) is never in a bulk expiry, only alone with its UPN typed", async () => {
    const t = s.emu.tenant;
    const breakGlass = t.users.find((u) => u.userPrincipalName.startsWith("breakglass1@"))!;
    const other = t.users.find((u) => u.userType === "Guest" && u.accountEnabled)!;
    const before = await s.db.auditEvent.count();
    await expect(
      setExpiry(ctx, ADMIN, {
        userIds: [breakGlass.id, other.id],
        expiresAt: soon(),
        reason: "bulk",
        confirm: CONFIRM_MEMBERS,
      }),
    ).rejects.toThrow(/never expired in bulk: .*break-glass/);
    await expect(
      setExpiry(ctx, ADMIN, { userIds: [breakGlass.id], expiresAt: soon(), reason: "alone", confirm: CONFIRM_MEMBERS }),
    ).rejects.toThrow(/protected account\. Type its UPN/);
    expect(await open(breakGlass.id)).toBe(0);
    expect(await s.db.auditEvent.count()).toBe(before);
    expect(
      await setExpiry(ctx, ADMIN, {
        userIds: [breakGlass.id],
        expiresAt: soon(),
        reason: "alone",
        confirm: breakGlass.userPrincipalName.toUpperCase(),
      }),
    ).toEqual({ scheduled: 1 });
    const event = await s.db.auditEvent.findFirstOrThrow({
      where: { action: "expiry.set", targetId: breakGlass.id },
      orderBy: { seq: "desc" },
    });
    expect(JSON.parse(event.context ?? "{}")).toMatchObject({ protectedConfirmed: breakGlass.userPrincipalName });
    await cancelExpiry(
      ctx,
      ADMIN,
      (await s.db.accessExpiry.findFirstOrThrow({ where: { userId: breakGlass.id, status: "scheduled" } })).id,
      "test over",
    );
  });

  test("employees (members, not guests) need EXPIRE MEMBERS typed; a named protected UPN is refused in bulk", async () => {
    const t = s.emu.tenant;
    const member = t.users.find(
      (u) => u.userType === "Member" && u.accountEnabled && !u.userPrincipalName.startsWith("breakglass"),
    )!;
    const guest = t.users.find((u) => u.userType === "Guest" && u.accountEnabled)!;
    await expect(
      setExpiry(ctx, ADMIN, { userIds: [member.id, guest.id], expiresAt: soon(), reason: "contract" }),
    ).rejects.toThrow(/1 of these 2 people are employees .* Type EXPIRE MEMBERS/);
    expect(await open(member.id)).toBe(0);
    await expect(
      setExpiry(
        ctx,
        ADMIN,
        { userIds: [member.id, guest.id], expiresAt: soon(), reason: "contract", confirm: CONFIRM_MEMBERS },
        { protectedUpns: [guest.userPrincipalName] },
      ),
    ).rejects.toThrow(/RECERT_PROTECTED_UPNS/);
    expect(
      await setExpiry(ctx, ADMIN, {
        userIds: [member.id, guest.id],
        expiresAt: soon(),
        reason: "contract",
        confirm: CONFIRM_MEMBERS,
      }),
    ).toEqual({ scheduled: 2 });
    // Guests alone need no confirmation.
    expect(await setExpiry(ctx, ADMIN, { userIds: [guest.id], expiresAt: soon(), reason: "contract" })).toEqual({
      scheduled: 1,
    });
  });
});

describe("access expiry and privileged access (#19)", () => {
  test("removes the person's directory roles and PIM eligibilities for roles and groups, waits for an activation to end, and flags what is granted again", async () => {
    const t = s.emu.tenant;
    const holds = (id: string) =>
      t.roleAssignments.some((a) => a.principalId === id) ||
      t.roleEligibilities.some((e) => e.principalId === id) ||
      t.groupSchedules.some((e) => e.principalId === id);
    const guest = t.users.find((u) => u.userType === "Guest" && u.accountEnabled && !holds(u.id))!;
    const governed = t.groups.find((g) => g.pimOnboarded)!;
    const [r1, r2, r3, r4] = t.roleDefinitions.map((r) => r.id);
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    const iso = stamp(Date.now());
    const roleEligibility = () => ({
      id: crypto.randomUUID(),
      principalId: guest.id,
      roleDefinitionId: r1!,
      directoryScopeId: "/",
      createdDateTime: iso,
      startDateTime: iso,
      endDateTime: null,
    });
    const permanent = () => ({
      id: crypto.randomUUID(),
      principalId: guest.id,
      roleDefinitionId: r2!,
      directoryScopeId: "/",
    });
    const groupEligibility = (accessId: "member" | "owner") => ({
      id: `${governed.id}_${accessId}_${crypto.randomUUID()}`,
      kind: "eligible" as const,
      groupId: governed.id,
      principalId: guest.id,
      accessId,
      createdDateTime: iso,
      startDateTime: iso,
      endDateTime: null,
    });
    const activated = {
      id: crypto.randomUUID(),
      principalId: guest.id,
      roleDefinitionId: r4!,
      directoryScopeId: "/",
      scheduleId: crypto.randomUUID(),
      startDateTime: iso,
      endDateTime: stamp(Date.now() + 4 * 3_600_000),
      assignmentType: "Activated" as const,
    };
    t.roleEligibilities.push(roleEligibility());
    t.roleAssignments.push(
      permanent(),
      {
        id: crypto.randomUUID(),
        principalId: guest.id,
        roleDefinitionId: r3!,
        directoryScopeId: "/",
        scheduleId: crypto.randomUUID(),
        startDateTime: iso,
        endDateTime: stamp(Date.now() + 90 * DAY),
        assignmentType: "Assigned",
      },
      activated,
    );
    t.groupSchedules.push(groupEligibility("member"), groupEligibility("owner"));
    const sync = () =>
      runSync({ db: s.db, graph: s.graph(), tenantId: s.tenantId, databaseUrl: s.database.url, trigger: "manual" });
    await sync();

    const plan = await expiryPlan(s.db, s.tenantId, guest.id, false);
    expect(
      plan
        .filter((p) => p.kind !== "group" && p.kind !== "app")
        .map((p) => [p.kind, p.targetId, p.manual ? "manual" : p.op.kind])
        .sort(),
    ).toEqual(
      [
        ["groupEligible", governed.id, "removeGroupEligibility"],
        ["groupEligible", governed.id, "removeGroupEligibility"],
        ["role", r2, "removeRoleAssignment"],
        ["role", r3, "removeRoleAssignmentSchedule"],
        ["role", r4, "manual"],
        ["roleEligible", r1, "removeRoleEligibility"],
      ].sort(),
    );
    const preview = await expiryPreview(ctx, { userId: guest.id, blockSignIn: false });
    expect(preview.items).toContainEqual({ kind: "groupEligible", target: governed.displayName });
    expect(preview.items).toContainEqual(expect.objectContaining({ kind: "role", manual: "Entra (PIM)" }));

    const now = Date.now() - 10 * DAY;
    await setExpiry({ ...ctx, now: () => new Date(now) }, ADMIN, {
      userIds: [guest.id],
      expiresAt: new Date(now + DAY),
      reason: "Engagement over",
    });
    const at = await runExpiries({ ...ctx, now: () => new Date(now + 2 * DAY) }, graph);
    // The activation is not done until it has ended.
    expect(at.executed.find((x) => x.userId === guest.id)).toMatchObject({ failed: 0, manual: 1, status: "partial" });
    // Gone from Entra: what Graph lists no longer names the person, but for the activation.
    expect(t.roleAssignments.filter((a) => a.principalId === guest.id)).toEqual([activated]);
    expect(t.roleEligibilities.filter((e) => e.principalId === guest.id)).toEqual([]);
    expect(t.groupSchedules.filter((e) => e.principalId === guest.id)).toEqual([]);
    const expiry = await s.db.accessExpiry.findFirstOrThrow({ where: { userId: guest.id, reason: "Engagement over" } });
    const results = async () =>
      (await s.db.accessExpiryResult.findMany({ where: { expiryId: expiry.id } }))
        .filter((r) => r.kind !== "group" && r.kind !== "app")
        .map((r) => `${r.kind} ${r.targetId} ${r.status}`)
        .sort();
    expect(await results()).toEqual(
      [
        `groupEligible ${governed.id} applied`,
        `groupEligible ${governed.id} applied`,
        `role ${r2} applied`,
        `role ${r3} applied`,
        `role ${r4} manual`,
        `roleEligible ${r1} applied`,
      ].sort(),
    );

    // The activation ends; the next sync no longer shows it, and the next pass confirms it and finishes the expiry.
    t.roleAssignments = t.roleAssignments.filter((a) => a !== activated);
    const first = await sync();
    const done = await runExpiries({ ...ctx, now: () => new Date() }, graph);
    expect(done.executed.find((x) => x.userId === guest.id)).toMatchObject({ failed: 0, status: "done" });
    expect(await results()).toContain(`role ${r4} removedManually`);
    expect(await flagReturnedExpiries(ctx, first.runId)).toBe(0);

    // An admin grants each again (PIM gives new ids): each is flagged once, by kind.
    t.roleEligibilities.push(roleEligibility());
    t.roleAssignments.push(permanent());
    t.groupSchedules.push(groupEligibility("owner"));
    const second = await sync();
    expect(await flagReturnedExpiries(ctx, second.runId)).toBe(3);
    const back = await s.db.accessExpiryResult.findMany({ where: { expiryId: expiry.id, returnedAt: { not: null } } });
    expect(back.map((r) => `${r.kind} ${r.targetId}`).sort()).toEqual(
      [`groupEligible ${governed.id}`, `role ${r2}`, `roleEligible ${r1}`].sort(),
    );
    t.roleEligibilities = t.roleEligibilities.filter((e) => e.principalId !== guest.id);
    t.roleAssignments = t.roleAssignments.filter((a) => a.principalId !== guest.id);
    t.groupSchedules = t.groupSchedules.filter((e) => e.principalId !== guest.id);
    await sync();
  });
});
