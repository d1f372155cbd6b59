/**
 * Four eyes on bulk changes (#16, guardrails): an expiry or an apply above the threshold waits for a second admin,
 * nothing reaches Entra or the schedule before, the requester cannot approve their own request, two admins deciding
 * at once cannot both win, and the audit log names both people. Real database, real emulator.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { verifyChain } from "@/lib/audit";
import { UserError } from "@/lib/errors";
import { type SetExpiryInput, setExpiry } from "@/lib/guests/expiry";
import {
  applyCampaign,
  closeCampaign,
  createCampaign,
  forceDecision,
  quarterlyPreset,
  startCampaign,
} from "@/lib/reviews";
import { setup } from "@/tests/support/emulator-fixture";
import { type ApprovedBy, decideAndRun, listApprovals, withdrawApproval } from "./index";

let s: Awaited<ReturnType<typeof setup>>;
const ADA = { id: "00000000-0000-4000-8000-0000000000a1", name: "Ada Admin" };
const BO = { id: "00000000-0000-4000-8000-0000000000b2", name: "Bo Second" };
const CY = { id: "00000000-0000-4000-8000-0000000000c3", name: "Cy Third" };
const THRESHOLD = 5;
/** What the approvals page wires in (app/(app)/approvals/actions.ts), with the test's write client. */
const deps = (approver: { id: string; name: string }) => ({
  expiry: (input: unknown, approved: ApprovedBy) =>
    setExpiry(s.ctx, { ...approver, role: "admin" }, input as SetExpiryInput, { approved }),
  apply: (campaignId: string) =>
    applyCampaign(s.ctx, { ...approver, role: "admin" }, campaignId, s.writeClient(), {
      approvalThreshold: THRESHOLD,
    }),
});
const code = async (p: Promise<unknown>) =>
  p.then(
    () => "resolved",
    (e: unknown) => (e instanceof UserError ? e.code : String(e)),
  );

beforeAll(async () => {
  s = await setup();
  await s.syncNow();
});
afterAll(async () => {
  await s?.close();
});

const guests = () => s.emu.tenant.users.filter((u) => u.userType === "Guest" && u.accountEnabled).map((u) => u.id);
const inFuture = () => new Date(Date.now() + 30 * 86_400_000).toISOString();

describe("an access expiry above the threshold", () => {
  test("at or under the threshold it is scheduled at once", async () => {
    const r = await setExpiry(
      s.ctx,
      { ...ADA, role: "admin" },
      { userIds: guests().slice(0, THRESHOLD), expiresAt: inFuture(), reason: "Contract ends" },
      { approvalThreshold: THRESHOLD },
    );
    expect(r).toEqual({ scheduled: THRESHOLD });
  });

  test("waits for a second admin: nothing scheduled, the requester cannot approve it, another admin can, both are audited", async () => {
    const ids = guests().slice(THRESHOLD, THRESHOLD + 8);
    const before = await s.db.accessExpiry.count({ where: { status: "scheduled" } });
    const r = await setExpiry(
      s.ctx,
      { ...ADA, role: "admin" },
      { userIds: ids, expiresAt: inFuture(), blockSignIn: true, reason: "Vendor offboarding" },
      { approvalThreshold: THRESHOLD },
    );
    expect(r).toMatchObject({ scheduled: 0, awaitingApproval: { accounts: 8 } });
    expect(await s.db.accessExpiry.count({ where: { status: "scheduled" } })).toBe(before);
    const id = r.awaitingApproval!.approvalId;
    expect((await listApprovals(s.ctx)).pending).toEqual([
      expect.objectContaining({ id, kind: "expiry", accounts: 8, requestedByName: ADA.name, status: "pending" }),
    ]);
    // The requester is refused; a rejection needs a reason; someone other than the requester cannot withdraw it.
    expect(await code(decideAndRun(s.ctx, ADA, { approvalId: id, decision: "approve", note: "" }, deps(ADA)))).toBe(
      "forbidden",
    );
    expect(await code(decideAndRun(s.ctx, BO, { approvalId: id, decision: "reject", note: " " }, deps(BO)))).toBe(
      "invalid",
    );
    expect(await code(withdrawApproval(s.ctx, BO, id))).toBe("forbidden");

    // Two admins approve at the same moment: one wins, the other is told; the expiry is scheduled once.
    const [a, b] = await Promise.allSettled([
      decideAndRun(s.ctx, BO, { approvalId: id, decision: "approve", note: "Checked with procurement" }, deps(BO)),
      decideAndRun(s.ctx, CY, { approvalId: id, decision: "approve", note: "" }, deps(CY)),
    ]);
    const won = [a, b].filter((x) => x.status === "fulfilled");
    expect(won).toHaveLength(1);
    expect((won[0] as PromiseFulfilledResult<{ outcome: string }>).value.outcome).toBe(
      "Approved: access expiry scheduled for 8 people.",
    );
    const lost = [a, b].find((x) => x.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(UserError);
    expect(await s.db.accessExpiry.count({ where: { status: "scheduled", userId: { in: ids } } })).toBe(8);
    expect(await code(decideAndRun(s.ctx, CY, { approvalId: id, decision: "reject", note: "late" }, deps(CY)))).toBe(
      "conflict",
    );

    const approver = (won[0] as PromiseFulfilledResult<{ approval: { decidedByName: string } }>).value.approval
      .decidedByName;
    const decision = await s.db.auditEvent.findFirstOrThrow({ where: { action: "approval.approve", targetId: id } });
    expect(JSON.parse(decision.context!)).toMatchObject({
      requestedBy: { name: ADA.name },
      decidedBy: { name: approver },
    });
    const set = await s.db.auditEvent.findFirstOrThrow({ where: { action: "expiry.set", targetId: ids[0] } });
    expect(set.actorName).toBe(approver);
    expect(JSON.parse(set.context!)).toMatchObject({
      approvalId: id,
      requestedBy: { name: ADA.name },
      approvedBy: { name: approver },
    });
    expect((await verifyChain(s.db)).ok).toBe(true);
  });

  test("a rejected or withdrawn request changes nothing", async () => {
    const ids = guests().slice(20, 28);
    const ask = () =>
      setExpiry(
        s.ctx,
        { ...ADA, role: "admin" },
        { userIds: ids, expiresAt: inFuture(), reason: "Offboarding" },
        { approvalThreshold: THRESHOLD },
      );
    const one = (await ask()).awaitingApproval!.approvalId;
    expect(
      (await decideAndRun(s.ctx, BO, { approvalId: one, decision: "reject", note: "Wrong list" }, deps(BO))).outcome,
    ).toMatch(/^Rejected/);
    const two = (await ask()).awaitingApproval!.approvalId;
    await withdrawApproval(s.ctx, ADA, two);
    expect(await s.db.accessExpiry.count({ where: { status: "scheduled", userId: { in: ids } } })).toBe(0);
    const decided = (await listApprovals(s.ctx)).decided.filter((d) => [one, two].includes(d.id));
    expect(decided.map((d) => [d.status, d.decidedByName]).sort()).toEqual([
      ["cancelled", ADA.name],
      ["rejected", BO.name],
    ]);
  });
});

describe("a campaign apply above the threshold", () => {
  test("sends nothing until a second admin approves; then applies, and later retries need no new approval", async () => {
    const { campaignId } = await createCampaign(s.ctx, { ...ADA, role: "admin" }, quarterlyPreset(new Date()));
    await startCampaign(s.ctx, { ...ADA, role: "admin" }, campaignId);
    const items = await s.db.campaignItem.findMany({ where: { campaignId }, orderBy: { ordinal: "asc" } });
    const picked: typeof items = [];
    const people = new Set<string>();
    for (const i of items) {
      // Memberships (eligible members of PIM-governed groups are items too, #19).
      if (i.resourceType !== "group" || people.has(i.principalId) || picked.length >= THRESHOLD + 3) continue;
      people.add(i.principalId);
      picked.push(i);
    }
    await forceDecision(
      s.ctx,
      { ...ADA, role: "admin" },
      campaignId,
      picked.map((i) => i.id),
      "revoke",
      "Leavers list",
    );
    await closeCampaign(s.ctx, { ...ADA, role: "admin" }, campaignId, "Quarter over");
    const inEntra = () =>
      picked.filter((i) => s.emu.tenant.groupById.get(i.resourceId)!.members.has(i.principalId)).length;
    expect(inEntra()).toBe(picked.length);

    const first = await applyCampaign(s.ctx, { ...ADA, role: "admin" }, campaignId, s.writeClient(), {
      approvalThreshold: THRESHOLD,
    });
    expect(first).toMatchObject({
      applied: 0,
      failed: 0,
      status: "closed",
      awaitingApproval: { accounts: picked.length },
    });
    const again = await applyCampaign(s.ctx, { ...ADA, role: "admin" }, campaignId, s.writeClient(), {
      approvalThreshold: THRESHOLD,
    });
    expect(again.awaitingApproval!.approvalId).toBe(first.awaitingApproval!.approvalId); // one request, not two
    expect(inEntra()).toBe(picked.length);
    expect(
      await s.db.auditEvent.count({ where: { action: "graph.write.intent", context: { contains: campaignId } } }),
    ).toBe(0);

    const r = await decideAndRun(
      s.ctx,
      BO,
      { approvalId: first.awaitingApproval!.approvalId, decision: "approve", note: "" },
      deps(BO),
    );
    expect(r.outcome).toBe(`Approved and applied: ${picked.length} removed, 0 already removed, 0 failed.`);
    expect(inEntra()).toBe(0);
    expect((await s.db.campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe("applied");
    const retry = await applyCampaign(s.ctx, { ...ADA, role: "admin" }, campaignId, s.writeClient(), {
      approvalThreshold: THRESHOLD,
    });
    expect(retry.awaitingApproval).toBeUndefined();
    expect((await verifyChain(s.db)).ok).toBe(true);
  });
});
