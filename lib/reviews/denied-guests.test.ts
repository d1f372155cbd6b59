/**
 * Denied guests (#19) against the emulator and a real database (both engines): a campaign that asks for it blocks each
 * guest whose every item was revoked and removed, the scheduler warns the sponsors before the date and deletes the
 * guest at it (once, with two passes at once), an admin's restore cancels it, and the guards hold: a member is never
 * blocked or deleted, a guest with access left is not blocked, the write app without User.ReadWrite.All fails the
 * deletion with Graph's reason and leaves the guest blocked.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { UserError } from "@/lib/errors";
import { setup } from "@/tests/support/emulator-fixture";
import { WRITE_CLIENT_ID } from "@/tests/support/write-app";
import {
  applyCampaign,
  closeCampaign,
  createCampaign,
  forceDecision,
  guestPreset,
  startCampaign,
  type Actor,
  type Ctx,
} from "@/lib/reviews";
import { restoreDeniedGuest, runDeniedGuests } from "./denied-guests";

let s: Awaited<ReturnType<typeof setup>>;
let ctx: Ctx;
const ADMIN: Actor = { id: "admin-oid", name: "Ada Admin", role: "admin" };
const DAY = 86_400_000;

beforeAll(async () => {
  s = await setup();
  ctx = s.ctx;
  await s.syncNow();
});
afterAll(async () => {
  await s?.close();
});

const at = (days: number): Ctx => ({ ...ctx, now: () => new Date(Date.now() + days * DAY) });
const writes = async () =>
  ((await s.control("GET", "/writes")).value as { method: string; path: string; status: number }[]).filter((w) =>
    /^\/users\/[^/]+$/.test(w.path.split("?")[0]!),
  );

describe("denied guests", () => {
  test("blocked at apply, warned before the date, deleted at it once; restored ones and members never", async () => {
    const t = s.emu.tenant;
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
    const enabledGuests = [...byGuest.keys()].filter(
      (id) => t.userById.get(id)?.accountEnabled && !t.userById.get(id)?.onPremises,
    );
    const [a, c, d, withTwo] = enabledGuests;
    expect(withTwo).toBeDefined();
    // A, C and D: every item revoked. B (withTwo): approved, keeps their access.
    await forceDecision(
      ctx,
      ADMIN,
      campaignId,
      [...byGuest.get(a!)!, ...byGuest.get(c!)!, ...byGuest.get(d!)!],
      "revoke",
      "Contract ended",
    );
    await forceDecision(ctx, ADMIN, campaignId, byGuest.get(withTwo!)!, "approve", "Still working with us");
    await closeCampaign(ctx, ADMIN, campaignId);
    // C became an employee since the sync: the guard refuses to block (and never deletes) a member.
    await s.db.dirUser.update({ where: { id: c! }, data: { userType: "Member" } });

    const applied = await applyCampaign(ctx, ADMIN, campaignId, s.writeClient());
    expect(applied.deniedGuests).toEqual({ blocked: 2, failed: 0, refused: 1 });
    expect(t.userById.get(a!)!.accountEnabled).toBe(false);
    expect(t.userById.get(d!)!.accountEnabled).toBe(false);
    expect(t.userById.get(c!)!.accountEnabled).toBe(true);
    expect(t.userById.get(withTwo!)!.accountEnabled).toBe(true);
    const rows = await s.db.deniedGuest.findMany({ where: { campaignId } });
    expect(rows.map((r) => [r.userId, r.status]).sort()).toEqual(
      [
        [a, "blocked"],
        [c, "refused"],
        [d, "blocked"],
      ].sort(),
    );
    const rowA = rows.find((r) => r.userId === a)!;
    expect(Math.round((rowA.deleteAt.getTime() - Date.now()) / DAY)).toBe(30);
    // Applying again blocks nobody twice.
    const again = await applyCampaign(ctx, ADMIN, campaignId, s.writeClient());
    expect(again.deniedGuests).toEqual({ blocked: 0, failed: 0, refused: 0 });

    // The admin keeps D: restored, sign-in enabled again, never deleted.
    const rowD = rows.find((r) => r.userId === d)!;
    const reviewer: Actor = { id: "rev", name: "Rita Reviewer", role: "reviewer" };
    await expect(restoreDeniedGuest(ctx, reviewer, { id: rowD.id, reason: "x" }, s.writeClient())).rejects.toThrow(
      UserError,
    );
    expect(await restoreDeniedGuest(ctx, ADMIN, { id: rowD.id, reason: "Extended contract" }, s.writeClient())).toEqual(
      { reenabled: true },
    );
    expect(t.userById.get(d!)!.accountEnabled).toBe(true);

    // A week before the date the sponsors (or the admin who started the review) are warned, once.
    const soon = at(24);
    expect((await runDeniedGuests(soon, null)).warned).toBe(1);
    expect((await runDeniedGuests(soon, null)).warned).toBe(0);
    expect(
      await s.db.notification.count({
        where: { kind: "guest-deletion-warning", subject: { contains: rowA.userName ?? a! } },
      }),
    ).toBeGreaterThan(0);

    // At the date, without User.ReadWrite.All: Graph refuses, the guest stays blocked and the row says why.
    const app = t.apps.find((x) => x.clientId === WRITE_CLIENT_ID)!;
    const perms = [...app.graphPermissions];
    const due = at(31);
    const refused = await runDeniedGuests(due, () => s.writeClient());
    expect(refused).toMatchObject({ deleted: 0, failed: 1 });
    expect((await s.db.deniedGuest.findUniqueOrThrow({ where: { id: rowA.id } })).error).toMatch(
      /403 Authorization_RequestDenied/,
    );
    expect(t.userById.has(a!)).toBe(true);

    // With it: deleted once, though two passes run at once.
    await s.control("POST", `/apps/${WRITE_CLIENT_ID}/permissions`, { roles: [...perms, "User.ReadWrite.All"] });
    try {
      const before = (await writes()).filter((w) => w.method === "DELETE").length;
      const [p1, p2] = await Promise.all([
        runDeniedGuests(due, () => s.writeClient()),
        runDeniedGuests(due, () => s.writeClient()),
      ]);
      expect(p1.deleted + p2.deleted).toBe(1);
      expect(t.userById.has(a!)).toBe(false);
      const deletes = (await writes()).filter((w) => w.method === "DELETE").slice(before);
      expect(deletes.map((w) => w.status)).toEqual([204]);
      expect(await s.db.deniedGuest.findMany({ where: { campaignId }, orderBy: { userId: "asc" } })).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ userId: a, status: "deleted" }),
          expect.objectContaining({ userId: d, status: "restored", restoredBy: "Ada Admin" }),
          expect.objectContaining({ userId: c, status: "refused" }),
        ]),
      );
      expect(t.userById.has(c!) && t.userById.has(d!)).toBe(true);
      const audit = await s.db.auditEvent.findMany({
        where: { action: { in: ["guest.block", "guest.block.refused", "guest.restore", "guest.delete"] } },
        select: { action: true, targetId: true },
      });
      expect(audit.map((e) => `${e.action} ${e.targetId}`).sort()).toEqual(
        [
          `guest.block ${a}`,
          `guest.block ${d}`,
          `guest.block.refused ${c}`,
          `guest.restore ${d}`,
          `guest.delete ${a}`,
        ].sort(),
      );
    } finally {
      await s.control("POST", `/apps/${WRITE_CLIENT_ID}/permissions`, { roles: perms });
    }
  });
});
