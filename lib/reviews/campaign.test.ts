import { WRITE_CLIENT_ID } from "@/tests/support/write-app";
import { UserError } from "@/lib/errors";
/**
 * Campaigns end to end against the emulator and a real database: freeze from a sync, reviewers and
 * their refusals, decisions with justification, close, apply through Graph (with a failure and its
 * retry), a re-sync showing the removals, and the audit chain intact after all of it.
 */
import { onPremisesIdsFor } from "@/emulator/tenant/mutate";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sqliteHandleOf } from "@/lib/db/client";
import { runSync } from "@/lib/sync/run-sync";
import { setup } from "@/tests/support/emulator-fixture";
import { checkCheckpoint, verifyChain } from "@/lib/audit";
import { signingIdentity } from "@/lib/signing/identity";
import { DEFAULT_RECOMMENDATION_OPTIONS, parseConfig, peerShare, recommend } from "./index";
import {
  applyCampaign,
  closeCampaign,
  createCampaign,
  decide,
  deleteDraft,
  forceDecision,
  previewApply,
  quarterlyPreset,
  reviewPage,
  startCampaign,
  ZReviewQuery,
  campaignDetail,
  myInbox,
  runCampaignMaintenance,
  type Actor,
  type Ctx,
} from "./index";

let s: Awaited<ReturnType<typeof setup>>;
let ctx: Ctx;
const ADMIN: Actor = { id: "admin-oid", name: "Ada Admin", role: "admin" };
const graph = () => s.writeClient();

beforeAll(async () => {
  s = await setup();
  ctx = s.ctx;
  const r = await runSync({
    db: s.db,
    graph: s.graph(),
    tenantId: s.tenantId,
    databaseUrl: s.database.url,
    trigger: "manual",
  });
  expect(r.status).toBe("succeeded");
});
afterAll(async () => {
  await s?.close();
});

const userByUpn = (upn: string) => s.emu.tenant.users.find((u) => u.userPrincipalName === upn)!;
const actorFor = (upn: string): Actor => {
  const u = userByUpn(upn);
  return { id: u.id, name: u.displayName, role: "reviewer" };
};
const expectRefused = async (p: Promise<unknown>, code: string) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  expect((e as UserError).code).toBe(code);
};

describe("a quarterly campaign over all security groups", () => {
  let campaignId = "";
  const reviewer = () => actorFor("reviewer@contoso.onmicrosoft.com");

  test("starting freezes one item per direct membership of every static security group, with owners as reviewers", async () => {
    const preset = quarterlyPreset(new Date());
    ({ campaignId } = await createCampaign(ctx, ADMIN, preset));
    // SQLite: the start enlarges the connection's page cache while it writes, and gives the connection its own back.
    const sqlite = sqliteHandleOf(s.db);
    const cache = sqlite?.pragma("cache_size", { simple: true });
    const r = await startCampaign(ctx, ADMIN, campaignId);
    if (sqlite) expect(sqlite.pragma("cache_size", { simple: true })).toBe(cache);
    const t = s.emu.tenant;
    const inScope = t.groups.filter(
      (g) => g.securityEnabled && !g.groupTypes.includes("Unified") && !g.groupTypes.includes("DynamicMembership"),
    );
    // Members, and people eligible for membership through PIM for Groups (#19).
    const ids = new Set(inScope.map((g) => g.id));
    // A membership someone holds by activating their eligibility ends by itself: the eligibility is the item.
    const activated = new Set(
      t.groupSchedules.filter((e) => e.assignmentType === "Activated").map((e) => `${e.groupId}/${e.principalId}`),
    );
    const expected = [
      ...inScope.flatMap((g) =>
        [...g.members]
          .filter((m) => (t.userById.has(m) || t.groupById.has(m)) && !activated.has(`${g.id}/${m}`))
          .map((m) => `${g.id}/${m}`),
      ),
      ...t.groupSchedules
        .filter((e) => e.kind === "eligible" && ids.has(e.groupId)) // eligible members and owners (#19)
        .map((e) => `${e.groupId}/${e.principalId}`),
    ].sort();
    expect(t.groupSchedules.some((e) => e.kind === "eligible" && ids.has(e.groupId))).toBe(true);
    const items = await s.db.campaignItem.findMany({
      where: { campaignId },
      select: {
        resourceId: true,
        principalId: true,
        id: true,
        recommendation: true,
        recommendationReason: true,
        principalKind: true,
      },
    });
    expect(items.map((i) => `${i.resourceId}/${i.principalId}`).sort()).toEqual(expected);
    expect(r.itemCount).toBe(expected.length);
    // Reviewers: the group's user owners other than the member; ownerless groups and self-owned items go to the creator.
    const g = inScope.find((x) => x.owners.size > 0 && x.members.size > 1)!;
    const someItem = items.find((i) => i.resourceId === g.id && !g.owners.has(i.principalId))!;
    const rv = await s.db.campaignItemReviewer.findMany({ where: { itemId: someItem.id } });
    expect(rv.map((x) => x.reviewerId).sort()).toEqual([...g.owners].filter((o) => t.userById.has(o)).sort());
    expect(new Set(rv.map((x) => x.relation))).toEqual(new Set(["owner"]));
    const ownerless = inScope.find((x) => x.owners.size === 0 && x.members.size > 0);
    if (ownerless) {
      const it = items.find((i) => i.resourceId === ownerless.id)!;
      expect(
        await s.db.campaignItemReviewer.findMany({
          where: { itemId: it.id },
          select: { reviewerId: true, relation: true },
        }),
      ).toEqual([{ reviewerId: ADMIN.id, relation: "fallback" }]);
    }
    // Disabled members are recommended for removal, with the reason.
    const disabled = items.find((i) => t.userById.get(i.principalId)?.accountEnabled === false)!;
    expect(disabled).toMatchObject({ recommendation: "revoke", recommendationReason: "The account is disabled." });
    // Every item's recommendation is the rules applied to the synced directory, peers counted from scratch
    // (freeze computes each person's part once and counts peers in typed arrays: this is the reference).
    const c = await s.db.campaign.findUniqueOrThrow({ where: { id: campaignId } });
    const dirUsers = new Map((await s.db.dirUser.findMany({ where: { tenantId: s.tenantId } })).map((u) => [u.id, u]));
    const holders = new Map<string, Set<string>>();
    for (const m of await s.db.dirGroupMember.findMany({ where: { tenantId: s.tenantId } }))
      (holders.get(m.groupId) ?? holders.set(m.groupId, new Set()).get(m.groupId)!).add(m.memberId);
    // People eligible for a group through PIM (#19) hold its access as peers too.
    for (const e of await s.db.dirGroupSchedule.findMany({ where: { kind: "eligible", accessId: "member" } }))
      (holders.get(e.groupId) ?? holders.set(e.groupId, new Set()).get(e.groupId)!).add(e.principalId);
    const people = [...dirUsers.values()];
    const options = {
      ...DEFAULT_RECOMMENDATION_OPTIONS,
      inactiveDays: parseConfig(c.config).inactiveDays,
      now: c.startAt!,
    };
    let outliers = 0;
    for (const it of items) {
      const u = dirUsers.get(it.principalId);
      if (!u) continue;
      const has = holders.get(it.resourceId)!;
      const team = u.managerId ? people.filter((p) => p.managerId === u.managerId) : [];
      const dept = u.department ? people.filter((p) => p.department === u.department) : [];
      const peerList = (team.length - 1 >= 3 ? team : dept).map((p) => ({ id: p.id, holds: has.has(p.id) }));
      const want = recommend(
        {
          accountEnabled: u.accountEnabled,
          userType: u.userType === "Guest" ? "Guest" : "Member",
          externalUserState: u.externalUserState,
          createdAt: u.createdAt,
          lastSignInAt: u.lastSignInAt,
          signInDataAvailable: true,
          peerShare: peerShare(peerList, u.id),
        },
        options,
      );
      expect({ id: it.id, recommendation: it.recommendation, reason: it.recommendationReason }).toEqual({
        id: it.id,
        recommendation: want.recommendation,
        reason: want.reason,
      });
      if (want.reason.startsWith("Peer outlier")) outliers++;
    }
    expect(outliers).toBeGreaterThan(0);
    // The campaign keeps the sync it came from and a hash of the frozen list.
    expect(c.status).toBe("active");
    expect(c.itemsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(c.syncManifest!).runId).toBe(c.syncRunId);
    // Reviewers are told.
    expect(await s.db.notification.count({ where: { campaignId, recipientId: reviewer().id, kind: "assigned" } })).toBe(
      1,
    );
    // A second start is refused.
    await expectRefused(startCampaign(ctx, ADMIN, campaignId), "conflict");
    await expectRefused(deleteDraft(ctx, ADMIN, campaignId), "conflict");
  });

  test("a reviewer sees only their own items, and decides them; anything else is refused whole", async () => {
    const me = reviewer();
    const page = (await reviewPage(ctx, campaignId, me.id, ZReviewQuery.parse({})))!;
    expect(page.total).toBeGreaterThan(3);
    const owned = s.emu.tenant.groups.filter((g) => g.owners.has(me.id)).map((g) => g.id);
    expect(page.rows.every((r) => owned.includes(r.resourceId) && r.principalId !== me.id)).toBe(true);
    const inbox = await myInbox(ctx, me.id);
    expect(inbox).toEqual([expect.objectContaining({ campaignId, total: page.total, decided: 0 })]);

    // Another reviewer's item, alone or hidden in a bulk of mine: refused, nothing changes.
    const foreign = await s.db.campaignItem.findFirstOrThrow({
      where: {
        campaignId,
        NOT: {
          id: {
            in: (await s.db.campaignItemReviewer.findMany({ where: { campaignId, reviewerId: me.id } })).map(
              (r) => r.itemId,
            ),
          },
        },
      },
    });
    const mine = page.rows.slice(0, 3).map((r) => r.id);
    await expectRefused(
      decide(ctx, me, { campaignId, itemIds: [...mine, foreign.id], decision: "approve" }),
      "forbidden",
    );
    expect(
      await s.db.campaignItem.count({ where: { id: { in: [...mine, foreign.id] }, decision: { not: null } } }),
    ).toBe(0);
    // Revoking needs a justification in this preset.
    await expectRefused(decide(ctx, me, { campaignId, itemIds: [mine[0]!], decision: "revoke" }), "invalid");

    const bulk = await decide(ctx, me, { campaignId, itemIds: mine.slice(1), decision: "approve" });
    expect(bulk).toEqual({ decided: 2, skipped: 0 });
    await decide(ctx, me, {
      campaignId,
      itemIds: [mine[0]!],
      decision: "revoke",
      justification: "Left the project in October.",
    });
    const rows = await s.db.campaignItem.findMany({ where: { id: { in: mine } }, orderBy: { ordinal: "asc" } });
    expect(rows.find((r) => r.id === mine[0])).toMatchObject({
      decision: "revoke",
      justification: "Left the project in October.",
      decisionVia: "single",
      decisionRelation: "owner",
      decidedById: me.id,
    });
    expect(rows.find((r) => r.id === mine[1])).toMatchObject({ decision: "approve", decisionVia: "bulk", bulkSize: 2 });
    // Changing a decision is recorded as a change, with the previous one.
    await decide(ctx, me, { campaignId, itemIds: [mine[2]!], decision: "dontknow" });
    const change = await s.db.auditEvent.findFirstOrThrow({ where: { action: "decision.change", targetId: mine[2]! } });
    expect(JSON.parse(change.before!)).toMatchObject({ decision: "approve" });
    expect(JSON.parse(change.context!)).toMatchObject({ via: "single", relation: "owner", bulkSize: 1 });
    // Invalid input is refused with a clear message.
    await expect(decide(ctx, me, { campaignId, itemIds: ["not-a-uuid"], decision: "approve" })).rejects.toThrow(
      /not an item id/,
    );

    // Totals under each filter equal a count from scratch (some come from the progress counts, some are counted).
    const myIds = (
      await s.db.campaignItemReviewer.findMany({ where: { campaignId, reviewerId: me.id, stage: 1 } })
    ).map((r) => r.itemId);
    const count = (where: object) => s.db.campaignItem.count({ where: { id: { in: myIds }, stage: 1, ...where } });
    const totalOf = async (q: object) => (await reviewPage(ctx, campaignId, me.id, ZReviewQuery.parse(q)))!.total;
    expect(await totalOf({})).toBe(await count({}));
    expect(await totalOf({ state: "decided" })).toBe(await count({ decision: { not: null } }));
    expect(await totalOf({ state: "undecided" })).toBe(await count({ decision: null }));
    expect(await totalOf({ state: "decided" })).toBe(3);
    const guestTotal = await count({ principalKind: "guest" });
    expect(await totalOf({ kind: "guest" })).toBe(guestTotal);
    expect(await totalOf({ kind: "guest", state: "undecided" })).toBe(
      await count({ principalKind: "guest", decision: null }),
    );
  });

  test("closing fixes outcomes once; a second close is refused; apply previews, revokes in Entra, records a failure and retries it", async () => {
    const me = reviewer();
    const myItems = (await s.db.campaignItemReviewer.findMany({ where: { campaignId, reviewerId: me.id } })).map(
      (r) => r.itemId,
    );
    const toRevoke = await s.db.campaignItem.findMany({
      where: { id: { in: myItems }, decision: null, principalType: "user" },
      take: 2,
      orderBy: { ordinal: "asc" },
    });
    await decide(ctx, me, {
      campaignId,
      itemIds: toRevoke.map((i) => i.id),
      decision: "revoke",
      justification: "No longer needed.",
    });
    await expectRefused(applyCampaign(ctx, ADMIN, campaignId, graph()), "conflict");

    const [a, b] = await Promise.allSettled([
      closeCampaign(ctx, ADMIN, campaignId),
      closeCampaign(ctx, { ...ADMIN, id: "admin-2", name: "Second Admin" }, campaignId),
    ]);
    expect([a.status, b.status].sort()).toEqual(["fulfilled", "rejected"]);
    await expectRefused(decide(ctx, me, { campaignId, itemIds: [toRevoke[0]!.id], decision: "approve" }), "conflict");
    const c = await s.db.campaign.findUniqueOrThrow({ where: { id: campaignId } });
    expect(c.status).toBe("closed");
    expect(c.chainHead).toBe(
      (await s.db.auditEvent.findFirstOrThrow({ where: { action: "campaign.close", targetId: campaignId } })).hash,
    );
    // The close anchors the chain: a checkpoint of that head, signed with the installation's key (#17).
    const cp = await s.db.auditCheckpoint.findFirstOrThrow({
      where: { reason: "campaign.close", headHash: c.chainHead! },
    });
    expect(await checkCheckpoint(cp.jws, signingIdentity().fingerprint)).toMatchObject({
      ok: true,
      payload: { hash: c.chainHead },
    });

    const revoked = await s.db.campaignItem.findMany({ where: { campaignId, outcome: "revoke" } });
    expect(revoked.length).toBe(3); // the first revoke above plus these two
    const preview = await previewApply(ctx, campaignId);
    expect(preview.total).toBe(3);
    expect(preview.rows[0]!.call).toMatch(/^DELETE \/groups\/.+\/members\/.+\/\$ref$/);

    // Without GroupMember.ReadWrite.All Graph refuses: each item records Graph's error and stays retryable.
    const app = s.emu.tenant.apps.find((x) => x.clientId === WRITE_CLIENT_ID)!; // the write app applies
    const perms = [...app.graphPermissions];
    await s.control("POST", `/apps/${app.clientId}/permissions`, {
      roles: perms.filter((p) => p !== "GroupMember.ReadWrite.All" && p !== "Group.ReadWrite.All"),
    });
    const failed = await applyCampaign(ctx, ADMIN, campaignId, graph());
    expect(failed).toMatchObject({ applied: 0, failed: 3, remaining: 3, status: "closed" });
    expect(
      (await s.db.campaignItem.findFirstOrThrow({ where: { campaignId, applyStatus: "failed" } })).applyError,
    ).toMatch(/^403 Authorization_RequestDenied/);
    for (const i of revoked) expect(s.emu.tenant.groupById.get(i.resourceId)!.members.has(i.principalId)).toBe(true);

    await s.control("POST", `/apps/${app.clientId}/permissions`, { roles: perms });
    // Meanwhile someone removed one of them in Entra directly: it is "already removed", not a failure.
    await s.control("DELETE", `/groups/${revoked[1]!.resourceId}/members/${revoked[1]!.principalId}`);
    const ok = await applyCampaign(ctx, ADMIN, campaignId, graph());
    expect(ok).toMatchObject({ applied: 2, alreadyRemoved: 1, failed: 0, remaining: 0, status: "applied" });
    for (const i of revoked) expect(s.emu.tenant.groupById.get(i.resourceId)!.members.has(i.principalId)).toBe(false);
    // Applying again changes nothing more.
    const writesBefore = await s.db.auditEvent.count({ where: { action: "graph.write" } });
    expect(await applyCampaign(ctx, ADMIN, campaignId, graph())).toMatchObject({ applied: 0, failed: 0, remaining: 0 });
    expect(await s.db.auditEvent.count({ where: { action: "graph.write" } })).toBe(writesBefore);

    // A sync afterwards shows the removals.
    await runSync({ db: s.db, graph: s.graph(), tenantId: s.tenantId, databaseUrl: s.database.url, trigger: "manual" });
    for (const i of revoked)
      expect(
        await s.db.dirGroupMember.findUnique({
          where: { groupId_memberId: { groupId: i.resourceId, memberId: i.principalId } },
        }),
      ).toBeNull();
    const detail = (await campaignDetail(ctx, campaignId))!;
    expect(detail).toMatchObject({ status: "applied", apply: { applied: 2, alreadyRemoved: 1 } });
    // The whole story is in the audit chain, which still verifies.
    const report = await verifyChain(s.db as never);
    expect(report.ok).toBe(true);
  });
});

describe("what changes in Entra while a campaign runs", () => {
  test("a membership removed meanwhile is flagged 'already removed' after the next sync, the items stay as frozen, and the flag goes if it comes back", async () => {
    const t = s.emu.tenant;
    const g = t.groups.find(
      (x) =>
        x.securityEnabled &&
        !x.mailEnabled &&
        !x.groupTypes.includes("DynamicMembership") &&
        !x.groupTypes.includes("Unified") &&
        [...x.members].filter((m) => t.userById.has(m)).length >= 2,
    )!;
    const me = userByUpn("reviewer@contoso.onmicrosoft.com");
    const preset = quarterlyPreset(new Date());
    preset.config.scope = { kind: "groups", groupIds: [g.id] };
    preset.config.stages = [
      { reviewers: "chosen", chosenIds: [me.id], fallbackIds: [], durationDays: 14, advance: ["approve"] },
    ];
    preset.config.recurrence = "one_off";
    const { campaignId } = await createCampaign(ctx, ADMIN, preset);
    await startCampaign(ctx, ADMIN, campaignId);
    const before = await s.db.campaign.findUniqueOrThrow({
      where: { id: campaignId },
      select: { itemCount: true, itemsHash: true },
    });
    const items = await s.db.campaignItem.findMany({ where: { campaignId }, orderBy: { ordinal: "asc" } });
    const victim = items.find((i) => i.principalType === "user" && i.principalId !== me.id)!;
    const { afterSync } = await import("@/lib/scheduler/after-sync");
    const syncAndAfter = async () => {
      expect(
        (
          await runSync({
            db: s.db,
            graph: s.graph(),
            tenantId: s.tenantId,
            databaseUrl: s.database.url,
            trigger: "manual",
            mode: "full",
          })
        ).status,
      ).toBe("succeeded");
      await afterSync(ctx, graph);
    };
    const flagged = async () =>
      (await s.db.campaignItem.findMany({ where: { campaignId, goneFromEntra: true }, select: { id: true } })).map(
        (i) => i.id,
      );
    const pageRow = async () =>
      (await reviewPage(
        ctx,
        campaignId,
        me.id,
        ZReviewQuery.parse({ q: victim.principalUpn ?? victim.principalName ?? "" }),
      ))!.rows.find((r) => r.id === victim.id)!;

    await syncAndAfter();
    expect(await flagged()).toEqual([]);
    await s.control("DELETE", `/groups/${g.id}/members/${victim.principalId}`);
    await syncAndAfter();
    expect(await flagged()).toEqual([victim.id]);
    expect((await pageRow()).goneFromEntra).toBe(true);
    expect((await campaignDetail(ctx, campaignId))!.goneMeanwhile).toBe(1);
    // Frozen: same items, same hash, the item itself untouched apart from the flag.
    expect(
      await s.db.campaign.findUniqueOrThrow({
        where: { id: campaignId },
        select: { itemCount: true, itemsHash: true },
      }),
    ).toEqual(before);
    const after = await s.db.campaignItem.findUniqueOrThrow({ where: { id: victim.id } });
    expect({ ...after, goneFromEntra: false }).toEqual(victim);

    await s.control("POST", `/groups/${g.id}/members`, { id: victim.principalId });
    await syncAndAfter();
    expect(await flagged()).toEqual([]);
    expect((await pageRow()).goneFromEntra).toBe(false);
    await closeCampaign(ctx, ADMIN, campaignId); // out of the way of the escalation test below
  });
});

/** A one-off campaign over these groups, started and closed with nothing reviewed: every item is a revocation. */
async function closedUnreviewed(groupIds: string[]): Promise<string> {
  const preset = quarterlyPreset(new Date());
  preset.config.scope = { kind: "groups", groupIds };
  preset.config.stages = [
    {
      reviewers: "chosen",
      chosenIds: [userByUpn("reviewer@contoso.onmicrosoft.com").id],
      fallbackIds: [],
      durationDays: 14,
      advance: ["approve"],
    },
  ];
  preset.config.recurrence = "one_off";
  preset.config.noResponse = "revoke";
  const { campaignId } = await createCampaign(ctx, ADMIN, preset);
  await startCampaign(ctx, ADMIN, campaignId);
  await closeCampaign(ctx, ADMIN, campaignId);
  return campaignId;
}

describe("revocations in groups Exchange owns (mail-enabled security)", () => {
  test("are not sent to Graph but listed with the Exchange command; a sync that no longer sees them confirms them, and the campaign becomes applied", async () => {
    const t = s.emu.tenant;
    const isStatic = (g: (typeof t.groups)[number]) =>
      !g.groupTypes.includes("DynamicMembership") && !g.groupTypes.includes("Unified");
    const userMembers = (g: (typeof t.groups)[number]) => [...g.members].filter((m) => t.userById.has(m));
    const mailGroup = t.groups.find(
      (g) => g.securityEnabled && g.mailEnabled && isStatic(g) && userMembers(g).length >= 2,
    )!;
    const plainGroup = t.groups.find(
      (g) => g.securityEnabled && !g.mailEnabled && isStatic(g) && userMembers(g).length >= 1,
    )!;
    expect(mailGroup).toBeDefined();
    const campaignId = await closedUnreviewed([mailGroup.id, plainGroup.id]);
    const revoked = await s.db.campaignItem.findMany({ where: { campaignId, outcome: "revoke" } });
    const inMail = revoked.filter((i) => i.resourceId === mailGroup.id);
    const inPlain = revoked.filter((i) => i.resourceId === plainGroup.id);
    expect(inMail.length).toBeGreaterThanOrEqual(2);
    expect(inPlain.length).toBeGreaterThanOrEqual(1);

    // The dry run says which removals are Exchange's, with the command (ids only).
    const preview = await previewApply(ctx, campaignId);
    for (const r of preview.rows) {
      const item = revoked.find((i) => i.id === r.itemId)!;
      if (item.resourceId === mailGroup.id)
        expect(r.call).toBe(
          `Exchange Online (manual): Remove-DistributionGroupMember -Identity ${mailGroup.id} -Member ${item.principalId} -BypassSecurityGroupManagerCheck -Confirm:$false`,
        );
      else expect(r.call).toMatch(/^DELETE \/groups\//);
    }

    const first = await applyCampaign(ctx, ADMIN, campaignId, graph());
    expect(first).toMatchObject({
      applied: inPlain.length,
      failed: 0,
      manual: inMail.length,
      remaining: 0,
      status: "closed",
    });
    for (const i of inMail) expect(t.groupById.get(mailGroup.id)!.members.has(i.principalId)).toBe(true);
    expect(
      await s.db.auditEvent.count({
        where: { action: "graph.write.intent", targetId: { in: inMail.map((i) => i.id) } },
      }),
    ).toBe(0);
    expect(
      await s.db.auditEvent.count({ where: { action: "apply.manual", targetId: { in: inMail.map((i) => i.id) } } }),
    ).toBe(inMail.length);
    const detail = (await campaignDetail(ctx, campaignId))!;
    expect(detail.manual.map((m) => m.itemId).sort()).toEqual(inMail.map((i) => i.id).sort());
    // Applying again sends nothing and changes nothing.
    expect(await applyCampaign(ctx, ADMIN, campaignId, graph())).toMatchObject({
      applied: 0,
      failed: 0,
      manual: inMail.length,
      status: "closed",
    });

    // The admin removes one in Exchange; a sync sees it gone: that one is confirmed, the campaign is still closed.
    await s.control("DELETE", `/groups/${mailGroup.id}/members/${inMail[0]!.principalId}`);
    const { afterSync } = await import("@/lib/scheduler/after-sync");
    await runSync({
      db: s.db,
      graph: s.graph(),
      tenantId: s.tenantId,
      databaseUrl: s.database.url,
      trigger: "manual",
      mode: "full",
    });
    await afterSync(ctx, graph);
    const status = async (id: string) => (await s.db.campaignItem.findUniqueOrThrow({ where: { id } })).applyStatus;
    expect(await status(inMail[0]!.id)).toBe("removedManually");
    expect(await status(inMail[1]!.id)).toBe("manual");
    expect((await s.db.campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe("closed");

    // The rest removed in Exchange; the next sync confirms them and the campaign becomes applied.
    for (const i of inMail.slice(1)) await s.control("DELETE", `/groups/${mailGroup.id}/members/${i.principalId}`);
    await runSync({
      db: s.db,
      graph: s.graph(),
      tenantId: s.tenantId,
      databaseUrl: s.database.url,
      trigger: "manual",
      mode: "full",
    });
    await afterSync(ctx, graph);
    for (const i of inMail) expect(await status(i.id)).toBe("removedManually");
    const c = await s.db.campaign.findUniqueOrThrow({ where: { id: campaignId } });
    expect(c.status).toBe("applied");
    expect(
      await s.db.auditEvent.count({ where: { action: "apply.confirmed", targetId: { in: inMail.map((i) => i.id) } } }),
    ).toBe(inMail.length);
    expect((await verifyChain(s.db)).ok).toBe(true);
  });
});

describe("revocations in groups synced from Active Directory", () => {
  test("are not sent to Graph (it refuses them) but listed with the Active Directory command, ids only", async () => {
    const t = s.emu.tenant;
    // A security group Entra Connect syncs from AD, with two users in it (set through the control plane: Graph
    // itself refuses to change such a group, as the second check shows).
    const created = (await s.control("POST", "/groups", {
      displayName: "AD Finance Share",
      securityEnabled: true,
      mailEnabled: false,
      onPremisesSyncEnabled: true,
    })) as { id: string; onPremisesSyncEnabled: boolean | null };
    expect(created.onPremisesSyncEnabled).toBe(true);
    const users = t.users.filter((u) => u.userType === "Member" && u.accountEnabled).slice(0, 2);
    for (const u of users) await s.control("POST", `/groups/${created.id}/members`, { id: u.id });
    // A nested group synced from AD is a member too: AD names it by its own SID.
    const nested = (await s.control("POST", "/groups", {
      displayName: "AD Finance Interns",
      securityEnabled: true,
      mailEnabled: false,
      onPremisesSyncEnabled: true,
    })) as { id: string; onPremisesSecurityIdentifier: string };
    await s.control("POST", `/groups/${created.id}/members`, { id: nested.id });
    // The first member is synced from AD too (its SID is known after the sync); the second is cloud-only.
    const synced = users[0]!;
    synced.onPremises = onPremisesIdsFor(synced.id, "jdoe");
    const direct = await fetch(`${s.emu.url}/v1.0/groups/${created.id}/members/${users[0]!.id}/$ref`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${await graph().tokens.getToken()}` },
    });
    expect(direct.status).toBe(400);
    expect(await direct.text()).toMatch(/on-premises mastered Directory Sync objects/);
    await runSync({
      db: s.db,
      graph: s.graph(),
      tenantId: s.tenantId,
      databaseUrl: s.database.url,
      trigger: "manual",
      mode: "full",
    });
    const group = await s.db.dirGroup.findUniqueOrThrow({ where: { id: created.id } });
    expect(group).toMatchObject({ onPremisesSyncEnabled: true, onPremisesDomainName: "corp.contoso.com" });
    expect(group.onPremisesSecurityIdentifier).toMatch(/^S-1-5-21-/);
    const user = await s.db.dirUser.findUniqueOrThrow({ where: { id: synced.id } });
    expect(user).toMatchObject({
      onPremisesSyncEnabled: true,
      onPremisesSecurityIdentifier: synced.onPremises.securityIdentifier,
      onPremisesSamAccountName: "jdoe",
    });

    const campaignId = await closedUnreviewed([created.id]);
    const revoked = await s.db.campaignItem.findMany({ where: { campaignId, outcome: "revoke" } });
    expect(revoked).toHaveLength(3);

    // AD names both by SID; a member whose SID is unknown (cloud-only here) is looked up from Graph by its id.
    const memberIdentity = (memberId: string) =>
      memberId === synced.id
        ? synced.onPremises!.securityIdentifier
        : memberId === nested.id
          ? nested.onPremisesSecurityIdentifier
          : `(Get-MgUser -UserId ${memberId} -Property onPremisesSecurityIdentifier).OnPremisesSecurityIdentifier`;
    const command = (memberId: string) =>
      `Remove-ADGroupMember -Identity ${group.onPremisesSecurityIdentifier} -Members ${memberIdentity(memberId)} -Confirm:$false`;
    const preview = await previewApply(ctx, campaignId);
    for (const r of preview.rows) {
      const item = revoked.find((i) => i.id === r.itemId)!;
      expect(r.call).toBe(`Active Directory (manual): ${command(item.principalId)}`);
    }
    const first = await applyCampaign(ctx, ADMIN, campaignId, graph());
    expect(first).toMatchObject({ applied: 0, failed: 0, manual: 3, remaining: 0, status: "closed" });
    for (const u of users) expect(t.groupById.get(created.id)!.members.has(u.id)).toBe(true);
    expect(
      await s.db.auditEvent.count({
        where: { action: "graph.write.intent", targetId: { in: revoked.map((i) => i.id) } },
      }),
    ).toBe(0);
    const items = await s.db.campaignItem.findMany({ where: { campaignId } });
    for (const i of items) expect(i.applyError).toContain("synced from Active Directory");
    const detail = (await campaignDetail(ctx, campaignId))!;
    expect(detail.manual.map((m) => m.where)).toEqual(["Active Directory", "Active Directory", "Active Directory"]);
    expect(detail.manual.map((m) => m.command).sort()).toEqual(revoked.map((i) => command(i.principalId)).sort());
    await s.control("DELETE", `/groups/${created.id}`);
    await s.control("DELETE", `/groups/${nested.id}`);
    delete synced.onPremises;
  });
});

describe("guards on starting and deciding", () => {
  test("a campaign will not start on a stale sync, and says why", async () => {
    const later: Ctx = { ...ctx, now: () => new Date(Date.now() + 3 * 86_400_000) };
    const { campaignId } = await createCampaign(later, ADMIN, quarterlyPreset(new Date()));
    const e = await startCampaign(later, ADMIN, campaignId).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toMatch(/finished \d+ hours ago \(this campaign allows 24\)/);
    expect((await s.db.campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe("draft");
    expect(await s.db.campaignItem.count({ where: { campaignId } })).toBe(0);
    await deleteDraft(ctx, ADMIN, campaignId);
    expect(await s.db.campaign.findUnique({ where: { id: campaignId } })).toBeNull();
  });

  test("only admins force decisions, with a reason; escalation adds the fallback reviewers to overdue items", async () => {
    const preset = quarterlyPreset(new Date());
    preset.config.scope = {
      kind: "groups",
      groupIds: [s.emu.tenant.groups.find((g) => g.displayName === "Partner Collaboration")!.id],
    };
    const { campaignId } = await createCampaign(ctx, ADMIN, preset);
    await startCampaign(ctx, ADMIN, campaignId);
    const items = await s.db.campaignItem.findMany({ where: { campaignId } });
    await expectRefused(
      forceDecision(ctx, { ...ADMIN, role: "reviewer" }, campaignId, [items[0]!.id], "approve", "x"),
      "forbidden",
    );
    await expectRefused(forceDecision(ctx, ADMIN, campaignId, [items[0]!.id], "approve", " "), "invalid");
    // An item of another campaign, slipped in beside one of this campaign's: refused as a whole, nothing decided.
    const other = await createCampaign(ctx, ADMIN, preset);
    await startCampaign(ctx, ADMIN, other.campaignId);
    const foreign = await s.db.campaignItem.findFirstOrThrow({ where: { campaignId: other.campaignId } });
    await expectRefused(
      forceDecision(ctx, ADMIN, campaignId, [items[1]!.id, foreign.id], "revoke", "Reviewer on leave"),
      "not_found",
    );
    expect(
      await s.db.campaignItem.count({ where: { id: { in: [items[1]!.id, foreign.id] }, decision: { not: null } } }),
    ).toBe(0);
    await closeCampaign(ctx, ADMIN, other.campaignId);
    expect(await forceDecision(ctx, ADMIN, campaignId, [items[0]!.id], "approve", "Reviewer on leave")).toBe(1);
    expect(await s.db.campaignItem.findUniqueOrThrow({ where: { id: items[0]!.id } })).toMatchObject({
      decision: "approve",
      decisionVia: "forced",
      decisionRelation: "admin",
    });

    const overdue: Ctx = { ...ctx, now: () => new Date(Date.now() + 13 * 86_400_000) };
    const report = await runCampaignMaintenance(overdue, null);
    expect(report.escalated).toBe(items.length - 1);
    expect(
      await s.db.campaignItemReviewer.count({ where: { campaignId, relation: "fallback", reviewerId: ADMIN.id } }),
    ).toBe(items.length - 1);
    expect(await s.db.notification.count({ where: { campaignId, kind: "overdue" } })).toBeGreaterThan(0);
    // Run again the same day: nothing more.
    expect((await runCampaignMaintenance(overdue, null)).escalated).toBe(0);
    // At the end date the scheduler closes it.
    const ended: Ctx = { ...ctx, now: () => new Date(Date.now() + 15 * 86_400_000) };
    expect((await runCampaignMaintenance(ended, null)).closed).toEqual([campaignId]);
  });
});
