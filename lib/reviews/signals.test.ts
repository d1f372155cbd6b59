/**
 * Reviewer-behaviour signals (#17) from real decisions: a reviewer who approves everything in one bulk action, the
 * revoke recommendations included, is listed as possible rubber-stamping with each rule in words; one who decides
 * item by item, a few dozen seconds apart, following the recommendations, is not.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { setup } from "@/tests/support/emulator-fixture";
import { createCampaign, decide, quarterlyPreset, startCampaign, type Actor } from "./index";
import { reviewerSignals } from "./signals";
import { renderJson } from "@/lib/reports/exports";

let s: Awaited<ReturnType<typeof setup>>;
const ADMIN: Actor = { id: "6f1c3a9e-3333-4333-8333-333333333333", name: "Ada Admin", role: "admin" };

beforeAll(async () => {
  s = await setup();
  await s.syncNow();
});
afterAll(async () => {
  await s?.close();
});

test("bulk approval against the recommendations is flagged with its rules; careful item-by-item review is not", async () => {
  const { campaignId } = await createCampaign(s.ctx, ADMIN, quarterlyPreset(new Date()));
  await startCampaign(s.ctx, ADMIN, campaignId);
  const links = await s.db.campaignItemReviewer.findMany({ where: { campaignId } });
  const byReviewer = new Map<string, string[]>();
  for (const l of links) byReviewer.set(l.reviewerId, [...(byReviewer.get(l.reviewerId) ?? []), l.itemId]);
  const items = new Map((await s.db.campaignItem.findMany({ where: { campaignId } })).map((i) => [i.id, i]));
  // Two reviewers with 10+ items each and no item in common, the hasty one with 3+ revoke recommendations.
  const candidates = [...byReviewer.entries()]
    .filter(([, ids]) => ids.length >= 12)
    .sort((a, b) => b[1].length - a[1].length);
  const revokes = (ids: string[]) => ids.filter((id) => items.get(id)!.recommendation === "revoke").length;
  const hasty = candidates.find(([, ids]) => revokes(ids) >= 3)!;
  const careful = candidates.find(([r, ids]) => r !== hasty[0] && !ids.some((id) => hasty[1].includes(id)))!;
  expect(hasty && careful).toBeTruthy();
  const who = (id: string): Actor => {
    const u = s.emu.tenant.userById.get(id)!;
    return { id, name: u.displayName, role: "reviewer" };
  };

  await decide(s.ctx, who(hasty[0]), { campaignId, itemIds: hasty[1], decision: "approve" });
  const t0 = Date.now();
  for (const [n, id] of careful[1].entries()) {
    const rec = items.get(id)!.recommendation;
    await decide({ ...s.ctx, now: () => new Date(t0 + n * 40_000) }, who(careful[0]), {
      campaignId,
      itemIds: [id],
      decision: rec === "revoke" ? "revoke" : "approve",
      ...(rec === "revoke" ? { justification: "Left the team" } : {}),
    });
  }

  const signals = await reviewerSignals(s.db, campaignId);
  const h = signals.find((x) => x.reviewerId === hasty[0])!;
  expect(h).toMatchObject({ decided: hasty[1].length, medianGapSeconds: 0, bulkShare: 1 });
  expect(h.approvedAgainstRevoke).toBe(revokes(hasty[1]));
  expect(h.flags).toEqual([
    expect.stringMatching(/median of 0\.0 s between decisions \(rule: 10 or more decisions and a median under 5 s\)/),
    expect.stringMatching(/decided 100 % of \d+ items in bulk/),
    expect.stringMatching(/approved \d+ of the \d+ accesses Recert recommended revoking/),
  ]);
  const c = signals.find((x) => x.reviewerId === careful[0])!;
  expect(c).toMatchObject({
    decided: careful[1].length,
    medianGapSeconds: 40,
    bulkShare: 0,
    approvedAgainstRevoke: 0,
    flags: [],
  });
  expect(signals[0]!.reviewerId).toBe(hasty[0]); // the flagged first
  // The report carries them: every reviewer's figures in the JSON, the flagged named on the PDF's cover.
  const { json } = await renderJson(s.ctx, campaignId);
  const inReport = (
    JSON.parse(json.toString("utf8")) as { campaign: { reviewerSignals: { reviewerId: string; flags: string[] }[] } }
  ).campaign.reviewerSignals;
  expect(inReport.find((r) => r.reviewerId === hasty[0])!.flags).toHaveLength(3);
  expect(inReport.find((r) => r.reviewerId === careful[0])!.flags).toEqual([]);
});
