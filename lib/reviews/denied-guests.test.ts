/**
 * Denied guests (#19) against the emulator and a real database (both engines): a campaign that asks for it blocks each
 * guest whose every item was revoked and removed (one revoke among approvals is not enough), the scheduler warns the
 * sponsors before the date and deletes the guest at it (once, with two passes at once), an admin's restore cancels it,
 * and the guards hold, read live from Entra before each deletion: a member is never blocked or deleted, an account
 * enabled again in Entra is left alone, the write app without User.ReadWrite.All fails the deletion with Graph's
 * reason and leaves the guest blocked.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { addMember } from "@/emulator/tenant/mutate";
import { UserError } from "@/lib/errors";
import { setup } from "@/tests/support/emulator-fixture";
import { WRITE_CLIENT_ID } from "@/tests/support/write-app";
import { restoreDeniedGuest, runDeniedGuests } from "./denied-guests";
import {
  applyCampaign,
  closeCampaign,
  createCampaign,
  forceDecision,
  guestPreset,
  startCampaign,
  type Actor,
  type Ctx,
} from "./index";

let s: Awaited<ReturnType<typeof setup>>;
let ctx: Ctx;
const ADMIN: Actor = { id: "admin-oid", name: "Ada Admin", role: "admin" };
const DAY = 86_400_000;

beforeAll(async () => {
  s = await setup();
  ctx = s.ctx;
});
afterAll(async () => {
  await s?.close();
});

const at = (days: number): Ctx => ({ ...ctx, now: () => new Date(Date.now() + days * DAY) });
const userWrites = async () =>
  ((await s.control("GET", "/writes")).value as { method: string; path: string; status: number }[]).filter((w) =>
    /^\/users\/[^/]+$/.test(w.path.split("?")[0]!),
  );

describe("denied guests", () => {
  test("blocked at apply, warned before the date, deleted at it once; restored ones, members and re-enabled accounts never", async () => {
    const t = s.emu.tenant;
    const guests = t.users.filter((u) => u.userType === "Guest" && u.accountEnabled && !u.onPremises);
    const inGroups = guests.filter((u) => t.groups.some((g) => g.members.has(u.id) && g.securityEnabled));
    // B holds two accesses: one will be revoked, the other approved.
    const b = inGroups[0]!;
    const other = t.groups.find(
      (g) => g.securityEnabled && !g.groupTypes.includes("DynamicMembership") && !g.members.has(b.id),
    )!;
    addMember(t, other.id, b.id);
    await s.syncNow();

    const preset = guestPreset(new Date());
    preset.config.noResponse = "none";
    preset.config.autoApply = false;
    preset.config.deniedGuests = { blockThenDelete: true, deleteAfterDays: 30 };
    const { campaignId } = await createCampaign(ctx, ADMIN, preset);
    await startCampaign(ctx, ADMIN, campaignId);
    const items = await s.db.campaignItem.findMany({
      where: { campaignId, principalKind: "guest", principalType: "user" },
      orderBy: { ordinal: "asc" },
    });
    const byGuest = new Map<string, string[]>();
    for (const i of items) byGuest.set(i.principalId, [...(byGuest.get(i.principalId) ?? []), i.id]);
    expect(byGuest.get(b.id)!.length).toBeGreaterThanOrEqual(2);
    const [a, c, d, f, g] = [...byGuest.keys()].filter((id) => id !== b.id && guests.some((x) => x.id === id));
    expect(g).toBeDefined();
    // A, C, D, F and G: every item revoked. B: one revoked, the rest approved.
    const [bFirst, ...bRest] = byGuest.get(b.id)!;
    await forceDecision(
      ctx,
      ADMIN,
      campaignId,
      [a, c, d, f, g].flatMap((id) => byGuest.get(id!)!).concat(bFirst!),
      "revoke",
      "Contract ended",
    );
    await forceDecision(ctx, ADMIN, campaignId, bRest, "approve", "Still working with us");
    await closeCampaign(ctx, ADMIN, campaignId);
    // C became an employee since the sync: the guard refuses to block (and never deletes) a member.
    await s.db.dirUser.update({ where: { id: c! }, data: { userType: "Member" } });

    const applied = await applyCampaign(ctx, ADMIN, campaignId, s.writeClient());
    expect(applied.deniedGuests).toEqual({ blocked: 4, failed: 0, refused: 1 });
    for (const id of [a, d, f, g]) expect(t.userById.get(id!)!.accountEnabled).toBe(false);
    expect(t.userById.get(c!)!.accountEnabled).toBe(true);
    expect(t.userById.get(b.id)!.accountEnabled).toBe(true);
    const rows = await s.db.deniedGuest.findMany({ where: { campaignId } });
    expect(rows.map((r) => `${r.userId} ${r.status}`).sort()).toEqual(
      [`${a} blocked`, `${c} refused`, `${d} blocked`, `${f} blocked`, `${g} blocked`].sort(),
    );
    const row = (id: string) => rows.find((r) => r.userId === id)!;
    expect(Math.round((row(a!).deleteAt.getTime() - Date.now()) / DAY)).toBe(30);
    // Applying again blocks nobody twice.
    const again = await applyCampaign(ctx, ADMIN, campaignId, s.writeClient());
    expect(again.deniedGuests).toEqual({ blocked: 0, failed: 0, refused: 0 });

    // The admin keeps D: restored, sign-in enabled again, never deleted. Restoring again is refused.
    expect(
      await restoreDeniedGuest(ctx, ADMIN, { id: row(d!).id, reason: "Extended contract" }, s.writeClient()),
    ).toEqual({ reenabled: true });
    expect(t.userById.get(d!)!.accountEnabled).toBe(true);
    await expect(restoreDeniedGuest(ctx, ADMIN, { id: row(d!).id, reason: "again" }, s.writeClient())).rejects.toThrow(
      UserError,
    );
    await expect(
      restoreDeniedGuest(ctx, { ...ADMIN, role: "reviewer" }, { id: row(a!).id, reason: "x" }, s.writeClient()),
    ).rejects.toThrow(UserError);

    // A week before the date each blocked guest's sponsors (else the admin who started the review) are warned, once.
    const soon = at(24);
    expect((await runDeniedGuests(soon, null)).warned).toBe(3);
    expect((await runDeniedGuests(soon, null)).warned).toBe(0);
    const sponsorsOfA = (await s.db.dirSponsor.findMany({ where: { userId: a!, sponsorType: "user" } })).map(
      (x) => x.sponsorId,
    );
    const warnedA = await s.db.notification.findMany({
      where: { kind: "guest-deletion-warning", subject: { contains: row(a!).userName ?? a! } },
    });
    expect(warnedA.map((n) => n.recipientId).sort()).toEqual((sponsorsOfA.length ? sponsorsOfA : [ADMIN.id]).sort());

    // In Entra meanwhile: F was made a member, G's sign-in enabled again. Read live before deleting, both are spared.
    t.userById.get(f!)!.userType = "Member";
    t.userById.get(g!)!.accountEnabled = true;

    // At the date, without User.ReadWrite.All: Graph refuses the read, nothing is deleted, the rows say why.
    const perms = [...t.apps.find((x) => x.clientId === WRITE_CLIENT_ID)!.graphPermissions];
    const due = at(31);
    expect(await runDeniedGuests(due, () => s.writeClient())).toMatchObject({ deleted: 0, failed: 3 });
    expect((await s.db.deniedGuest.findUniqueOrThrow({ where: { id: row(a!).id } })).error).toMatch(
      /403 Authorization_RequestDenied/,
    );
    expect(t.userById.has(a!)).toBe(true);

    // With it: A deleted once, though two passes run at once; F refused (a member), G restored (enabled in Entra).
    await s.control("POST", `/apps/${WRITE_CLIENT_ID}/permissions`, { roles: [...perms, "User.ReadWrite.All"] });
    try {
      const before = (await userWrites()).filter((w) => w.method === "DELETE").length;
      const [p1, p2] = await Promise.all([
        runDeniedGuests(due, () => s.writeClient()),
        runDeniedGuests(due, () => s.writeClient()),
      ]);
      expect(p1.deleted + p2.deleted).toBe(1);
      expect(p1.restored + p2.restored).toBe(1);
      expect(t.userById.has(a!)).toBe(false);
      const deletes = (await userWrites()).filter((w) => w.method === "DELETE").slice(before);
      expect(deletes.map((w) => `${w.path} ${w.status}`)).toEqual([`/users/${a} 204`]);
      const final = await s.db.deniedGuest.findMany({ where: { campaignId } });
      expect(final.map((r) => `${r.userId} ${r.status}`).sort()).toEqual(
        [`${a} deleted`, `${c} refused`, `${d} restored`, `${f} refused`, `${g} restored`].sort(),
      );
      for (const id of [b.id, c, d, f, g]) expect(t.userById.has(id!)).toBe(true);
      const audit = await s.db.auditEvent.findMany({
        where: {
          action: {
            in: ["guest.block", "guest.block.refused", "guest.restore", "guest.delete", "guest.delete.refused"],
          },
        },
        select: { action: true, targetId: true },
      });
      expect(audit.map((e) => `${e.action} ${e.targetId}`).sort()).toEqual(
        [
          `guest.block ${a}`,
          `guest.block ${d}`,
          `guest.block ${f}`,
          `guest.block ${g}`,
          `guest.block.refused ${c}`,
          `guest.restore ${d}`,
          `guest.restore ${g}`,
          `guest.delete.refused ${f}`,
          `guest.delete ${a}`,
        ].sort(),
      );
    } finally {
      await s.control("POST", `/apps/${WRITE_CLIENT_ID}/permissions`, { roles: perms });
    }
  });
});
