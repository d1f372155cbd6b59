/**
 * Revocations that held (#17): access a campaign or an expiry removed that comes back (someone re-adds it) is
 * flagged by the next sync, once, with that sync, and audited; the dashboard counts it.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { returnedRevocations } from "@/lib/dashboards/returned";
import { renderJson } from "@/lib/reports/exports";
import { flagReturnedExpiries, runExpiries, setExpiry } from "@/lib/guests/expiry";
import { setup } from "@/tests/support/emulator-fixture";
import {
  applyCampaign,
  closeCampaign,
  createCampaign,
  forceDecision,
  quarterlyPreset,
  reconcileWithDirectory,
  startCampaign,
  type Actor,
} from "./index";

let s: Awaited<ReturnType<typeof setup>>;
const ADMIN: Actor = { id: "6f1c3a9e-4444-4444-8444-444444444444", name: "Ada Admin", role: "admin" };
const sync = () => s.syncNow();

beforeAll(async () => {
  s = await setup({ users: 120 });
  await sync();
});
afterAll(async () => {
  await s?.close();
});

test("a revoked membership re-added in Entra is flagged by the next sync, once, and audited", async () => {
  const g = s.emu.tenant.groups.find(
    (x) =>
      x.securityEnabled &&
      !x.mailEnabled &&
      !x.groupTypes.includes("DynamicMembership") &&
      !x.groupTypes.includes("Unified") &&
      x.members.size >= 3,
  )!;
  const preset = quarterlyPreset(new Date());
  preset.config.scope = { kind: "groups", groupIds: [g.id] };
  const { campaignId } = await createCampaign(s.ctx, ADMIN, preset);
  await startCampaign(s.ctx, ADMIN, campaignId);
  const items = (
    await s.db.campaignItem.findMany({ where: { campaignId, principalType: "user" }, orderBy: { ordinal: "asc" } })
  ).slice(0, 2);
  await forceDecision(
    s.ctx,
    ADMIN,
    campaignId,
    items.map((i) => i.id),
    "revoke",
    "Left the project",
  );
  await closeCampaign(s.ctx, ADMIN, campaignId);
  expect(await applyCampaign(s.ctx, ADMIN, campaignId, s.writeClient())).toMatchObject({
    applied: 2,
    status: "applied",
  });
  await sync();
  expect((await reconcileWithDirectory(s.ctx)).returned).toBe(0); // held so far

  // Someone puts one of them back in Entra.
  await s.control("POST", `/groups/${g.id}/members`, { id: items[0]!.principalId });
  const runId = await sync();
  expect((await reconcileWithDirectory(s.ctx)).returned).toBe(1);
  const back = await s.db.campaignItem.findUniqueOrThrow({ where: { id: items[0]!.id } });
  expect(back).toMatchObject({ returnedRunId: runId });
  expect(back.returnedAt).not.toBeNull();
  expect((await s.db.campaignItem.findUniqueOrThrow({ where: { id: items[1]!.id } })).returnedAt).toBeNull();
  expect(await s.db.auditEvent.count({ where: { action: "revocation.returned", targetId: items[0]!.id } })).toBe(1);
  expect((await reconcileWithDirectory(s.ctx)).returned).toBe(0); // flagged once
  expect((await returnedRevocations(s.ctx)).campaigns).toBe(1);

  // The next review of that group says so in its report.
  const next = await createCampaign(s.ctx, ADMIN, { ...preset, name: "Next quarter" });
  await startCampaign(s.ctx, ADMIN, next.campaignId);
  const { header } = await renderJson(s.ctx, next.campaignId);
  expect(header.returnedEarlier).toEqual({
    count: 1,
    items: [expect.objectContaining({ campaignId, ordinal: items[0]!.ordinal, resource: g.displayName })],
  });
});

test("an expired guest re-enabled in Entra is flagged the same way", async () => {
  const guest = s.emu.tenant.users.find((u) => u.userType === "Guest" && u.accountEnabled)!;
  await setExpiry(
    s.ctx,
    { id: ADMIN.id, name: ADMIN.name, role: "admin" },
    {
      userIds: [guest.id],
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      blockSignIn: true,
      reason: "Contract over",
    },
  );
  await runExpiries({ ...s.ctx, now: () => new Date(Date.now() + 120_000) }, () => s.writeClient());
  expect(s.emu.tenant.userById.get(guest.id)!.accountEnabled).toBe(false);
  let runId = await sync();
  expect(await flagReturnedExpiries(s.ctx, runId)).toBe(0);
  await s.control("PATCH", `/users/${guest.id}`, { accountEnabled: true });
  runId = await sync();
  expect(await flagReturnedExpiries(s.ctx, runId)).toBeGreaterThanOrEqual(1);
  expect(
    await s.db.auditEvent.count({ where: { action: "expiry.returned", targetId: guest.id } }),
  ).toBeGreaterThanOrEqual(1);
  expect(await flagReturnedExpiries(s.ctx, runId)).toBe(0);
  expect((await returnedRevocations(s.ctx)).expiries).toBeGreaterThanOrEqual(1);
});
