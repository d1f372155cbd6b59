/**
 * Concurrency (#8): many reviewers deciding at once, two reviewers changing one item at once, apply
 * running twice at once, and a sync running while a campaign starts. No lost update, no duplicate
 * Graph write, and the audit chain intact after each. Real database (both engines), real emulator.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runSync } from "@/lib/sync/run-sync";
import { setup } from "@/tests/support/emulator-fixture";
import { verifyChain } from "@/lib/audit";
import { createClient } from "@/lib/db/client";
import { UserError } from "@/lib/errors";
import {
  applyCampaign,
  closeCampaign,
  createCampaign,
  decide,
  deleteDraft,
  ItemsHasher,
  itemContext,
  quarterlyPreset,
  startCampaign,
  type Actor,
  type Ctx,
} from "./index";

let s: Awaited<ReturnType<typeof setup>>;
let ctx: Ctx;
const ADMIN: Actor = { id: "admin-oid", name: "Ada Admin", role: "admin" };
const graph = () => s.writeClient(10_000);

beforeAll(async () => {
  s = await setup({ users: 1000 });
  ctx = s.ctx;
  expect(
    (
      await runSync({
        db: s.db,
        graph: s.graph(),
        tenantId: s.tenantId,
        databaseUrl: s.database.url,
        trigger: "manual",
      })
    ).status,
  ).toBe("succeeded");
});
afterAll(async () => {
  await s?.close();
});

const actor = (id: string): Actor => ({ id, name: s.emu.tenant.userById.get(id)?.displayName ?? id, role: "reviewer" });

describe("at the same time", () => {
  let campaignId = "";
  const decided = new Map<string, string>();

  test("50 reviewers deciding at once: every decision lands once, in the audit log once", async () => {
    const preset = quarterlyPreset(new Date());
    preset.config.scope = { kind: "allGroups", groupIds: [] };
    preset.config.stages = [
      { reviewers: "managers", chosenIds: [], fallbackIds: [], durationDays: 14, advance: ["approve"] },
    ];
    preset.config.justification = { onApprove: false, onRevoke: false };
    ({ campaignId } = await createCampaign(ctx, ADMIN, preset));
    await startCampaign(ctx, ADMIN, campaignId);
    const rows = await s.db.campaignItemReviewer.findMany({
      where: { campaignId, stage: 1, relation: "manager" },
      select: { reviewerId: true, itemId: true },
    });
    const byReviewer = new Map<string, string[]>();
    for (const r of rows)
      (byReviewer.get(r.reviewerId) ?? byReviewer.set(r.reviewerId, []).get(r.reviewerId)!).push(r.itemId);
    const reviewers = [...byReviewer.keys()].sort().slice(0, 50);
    expect(reviewers.length).toBeGreaterThanOrEqual(40);
    const auditBefore = await s.db.auditEvent.count({ where: { action: { startsWith: "decision." } } });
    const results = await Promise.all(
      reviewers.map((r, i) => {
        const items = byReviewer.get(r)!.slice(0, 25);
        const decision = i % 3 === 0 ? "revoke" : "approve";
        for (const it of items) decided.set(it, decision);
        return decide(ctx, actor(r), { campaignId, itemIds: items, decision });
      }),
    );
    expect(results.reduce((n, r) => n + r.decided, 0)).toBe(decided.size);
    const items = await s.db.campaignItem.findMany({
      where: { id: { in: [...decided.keys()].slice(0, 500) } },
      select: { id: true, decision: true, version: true, decidedById: true },
    });
    for (const it of items) {
      expect(it.decision).toBe(decided.get(it.id));
      expect(it.version).toBe(1);
    }
    const auditAfter = await s.db.auditEvent.count({ where: { action: { startsWith: "decision." } } });
    expect(auditAfter - auditBefore).toBe(decided.size);
    expect((await verifyChain(s.db)).ok).toBe(true);
  });

  test("two reviewers of one item changing it at once: both changes recorded in order, the last one stands", async () => {
    const preset = quarterlyPreset(new Date());
    preset.config.justification = { onApprove: false, onRevoke: false };
    const t = s.emu.tenant;
    const g = t.groups.find(
      (x) =>
        x.owners.size >= 2 &&
        [...x.members].some((m) => t.userById.has(m) && !x.owners.has(m)) &&
        x.securityEnabled &&
        !x.groupTypes.includes("DynamicMembership"),
    )!;
    expect(g).toBeDefined();
    preset.config.scope = { kind: "groups", groupIds: [g.id] };
    const { campaignId: cid } = await createCampaign(ctx, ADMIN, preset);
    await startCampaign(ctx, ADMIN, cid);
    const item = (
      await s.db.campaignItem.findFirstOrThrow({ where: { campaignId: cid, principalId: { notIn: [...g.owners] } } })
    ).id;
    const [a, b] = (await s.db.campaignItemReviewer.findMany({ where: { itemId: item } })).map((r) => r.reviewerId);
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        decide(ctx, actor(a!), { campaignId: cid, itemIds: [item], decision: "approve" }),
        decide(ctx, actor(b!), { campaignId: cid, itemIds: [item], decision: "revoke" }),
      ]);
    }
    const final = await s.db.campaignItem.findUniqueOrThrow({ where: { id: item } });
    // Ten decisions, none lost: the version counts them and the audit log has each, the last matching the item.
    expect(final.version).toBe(10);
    const events = await s.db.auditEvent.findMany({
      where: { targetId: item, action: { startsWith: "decision." } },
      orderBy: { seq: "asc" },
    });
    expect(events).toHaveLength(10);
    expect(JSON.parse(events.at(-1)!.after!).decision).toBe(final.decision);
    expect((await verifyChain(s.db)).ok).toBe(true);
  });

  test("apply running twice at once writes each revocation to Entra once", async () => {
    await closeCampaign(ctx, ADMIN, campaignId);
    const revokes = await s.db.campaignItem.count({ where: { campaignId, outcome: "revoke" } });
    expect(revokes).toBeGreaterThan(0);
    const [x, y] = await Promise.all([
      applyCampaign(ctx, ADMIN, campaignId, graph()),
      applyCampaign(ctx, ADMIN, campaignId, graph()),
    ]);
    expect(x.applied + x.alreadyRemoved + y.applied + y.alreadyRemoved).toBe(revokes);
    expect(x.failed + y.failed).toBe(0);
    const intents = await s.db.auditEvent.findMany({ where: { action: "graph.write.intent" } });
    const forThis = intents.filter(
      (e) => (JSON.parse(e.context ?? "{}") as { campaignId?: string }).campaignId === campaignId,
    );
    expect(forThis).toHaveLength(revokes);
    expect(new Set(forThis.map((e) => e.targetId)).size).toBe(revokes);
    // Entra has lost exactly those memberships.
    const gone = await s.db.campaignItem.findMany({
      where: { campaignId, outcome: "revoke" },
      select: { resourceId: true, principalId: true },
    });
    for (const it of gone) expect(s.emu.tenant.groupById.get(it.resourceId)?.members.has(it.principalId)).toBe(false);
    expect((await verifyChain(s.db)).ok).toBe(true);
  });

  test("a sync running while a campaign starts: both finish, and the campaign is frozen from one complete sync", async () => {
    const preset = quarterlyPreset(new Date());
    const { campaignId: cid } = await createCampaign(ctx, ADMIN, preset);
    const [sync, started] = await Promise.all([
      runSync({
        db: s.db,
        graph: s.graph(),
        tenantId: s.tenantId,
        databaseUrl: s.database.url,
        trigger: "manual",
        mode: "full",
      }),
      startCampaign(ctx, ADMIN, cid),
    ]);
    expect(sync.status).toBe("succeeded");
    expect(started.itemCount).toBeGreaterThan(0);
    const c = await s.db.campaign.findUniqueOrThrow({ where: { id: cid } });
    const run = await s.db.syncRun.findUniqueOrThrow({ where: { id: c.syncRunId! } });
    expect(run.status).toBe("succeeded");
    expect(run.finishedAt!.getTime()).toBeLessThanOrEqual(c.startedAt!.getTime());
    expect(await s.db.campaignItem.count({ where: { campaignId: cid } })).toBe(started.itemCount);
    expect((await verifyChain(s.db)).ok).toBe(true);
  });

  test("an apply killed after claiming an item: left alone while the claim is fresh, retried once it is stale, written once", async () => {
    const preset = quarterlyPreset(new Date());
    preset.config.justification = { onApprove: false, onRevoke: false };
    preset.config.noResponse = "revoke";
    const t = s.emu.tenant;
    const g = t.groups.find(
      (x) =>
        x.securityEnabled &&
        !x.groupTypes.includes("DynamicMembership") &&
        !x.groupTypes.includes("Unified") &&
        x.members.size >= 2,
    )!;
    preset.config.scope = { kind: "groups", groupIds: [g.id] };
    const { campaignId: cid } = await createCampaign(ctx, ADMIN, preset);
    await startCampaign(ctx, ADMIN, cid);
    await closeCampaign(ctx, ADMIN, cid);
    // What a process killed between its claim and its Graph call leaves behind.
    const victim = await s.db.campaignItem.findFirstOrThrow({
      where: { campaignId: cid, outcome: "revoke", principalType: "user" },
    });
    const claimedAt = new Date();
    await s.db.campaignItem.update({
      where: { id: victim.id },
      data: { applyStatus: "applying", appliedAt: claimedAt, applyAttempts: 1 },
    });
    const first = await applyCampaign(ctx, ADMIN, cid, graph());
    expect(first.remaining).toBe(1); // another apply might still hold it: not touched
    expect(t.groupById.get(g.id)!.members.has(victim.principalId)).toBe(true);
    const later: Ctx = { ...ctx, now: () => new Date(claimedAt.getTime() + 6 * 60_000) };
    const second = await applyCampaign(later, ADMIN, cid, graph());
    expect(second).toMatchObject({ applied: 1, failed: 0, remaining: 0, status: "applied" });
    expect(t.groupById.get(g.id)!.members.has(victim.principalId)).toBe(false);
    const intents = (await s.db.auditEvent.findMany({ where: { action: "graph.write.intent", targetId: victim.id } }))
      .length;
    expect(intents).toBe(1);
    expect((await verifyChain(s.db)).ok).toBe(true);
  });
});

describe("starting a campaign", () => {
  const ADMIN2: Actor = { id: "admin-2", name: "Bea Admin", role: "admin" };
  /** A draft over a few static security groups (a small start). */
  const draft = async (name: string) => {
    const preset = quarterlyPreset(new Date());
    preset.name = name;
    const groupIds = s.emu.tenant.groups
      .filter((g) => g.securityEnabled && !g.groupTypes.includes("DynamicMembership") && g.members.size >= 3)
      .slice(0, 4)
      .map((g) => g.id);
    preset.config.scope = { kind: "groups", groupIds };
    return (await createCampaign(ctx, ADMIN, preset)).campaignId;
  };
  const rowsOf = async (campaignId: string) => ({
    items: await s.db.campaignItem.count({ where: { campaignId } }),
    overrides: await s.db.campaignItemReviewerOverride.count({ where: { campaignId } }),
    ranges: await s.db.campaignResourceReviewer.count({ where: { campaignId } }),
  });
  /** The items' hash recomputed from the stored rows, as a report does. */
  const storedHash = async (campaignId: string) => {
    const h = new ItemsHasher();
    for (const i of await s.db.campaignItem.findMany({ where: { campaignId }, orderBy: { ordinal: "asc" } }))
      h.add({ ...i, recommendationReason: i.recommendationReason });
    return h.digest();
  };
  /**
   * What a SQLite start killed between its worker's commit and the activation leaves: the draft claimed (version + 1)
   * with committed items and reviewer rows.
   */
  const leftovers = async (campaignId: string) => {
    await s.db.campaign.update({ where: { id: campaignId }, data: { version: { increment: 1 } } });
    const user = s.emu.tenant.users[0]!;
    await s.db.campaignItem.createMany({
      data: [1, 2, 3].map((ordinal) => ({
        id: `left-${campaignId}-${ordinal}`,
        campaignId,
        ordinal,
        principalId: user.id,
        principalType: "user",
        principalKind: "member",
        resourceType: "group",
        resourceId: "left-group",
        accessId: user.id,
        recommendation: "approve",
        recommendationReason: "left by a dead start",
      })),
    });
    await s.db.campaignItemReviewerOverride.create({
      data: { campaignId, itemId: `left-${campaignId}-1`, stage: 1, reviewerId: user.id, relation: "owner" },
    });
    await s.db.campaignResourceReviewer.create({
      data: {
        campaignId,
        stage: 1,
        resourceId: "left-group",
        reviewerId: user.id,
        relation: "owner",
        firstOrdinal: 1,
        lastOrdinal: 3,
      },
    });
  };

  test("two admins starting one draft at once: one starts it, the other is told; its items are there once", async () => {
    // One client, as in the app (PostgreSQL: two pooled connections; SQLite: one connection, the worker's beside it).
    const cid = await draft("Started twice");
    const before = await s.db.campaign.findUniqueOrThrow({ where: { id: cid } });
    const outcomes = await Promise.allSettled([startCampaign(ctx, ADMIN, cid), startCampaign(ctx, ADMIN2, cid)]);
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o) => o.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const why = (lost[0] as PromiseRejectedResult).reason;
    expect(why).toBeInstanceOf(UserError);
    expect((why as UserError).code).toBe("conflict");
    const started = (won[0] as PromiseFulfilledResult<{ itemCount: number; itemsHash: string }>).value;
    const c = await s.db.campaign.findUniqueOrThrow({ where: { id: cid } });
    expect(c).toMatchObject({ status: "active", itemCount: started.itemCount, itemsHash: started.itemsHash });
    // Claimed once: SQLite's worker claims the draft (+1) and the activation follows (+1); PostgreSQL does both in one
    // update. A loser that claimed too would have moved it further (and rewritten the winner's items).
    expect(c.version).toBe(before.version + (ctx.dialect.engine === "sqlite" ? 2 : 1));
    expect((await rowsOf(cid)).items).toBe(started.itemCount);
    expect(await storedHash(cid)).toBe(started.itemsHash);
    expect(await s.db.auditEvent.count({ where: { action: "campaign.start", targetId: cid } })).toBe(1);
    expect((await verifyChain(s.db)).ok).toBe(true);
  });

  test("a start that died after committing its items leaves a draft: nothing shows them, the next start replaces them, deleting a draft deletes them", async () => {
    const cid = await draft("Died half-way");
    await leftovers(cid);
    await expect(itemContext(ctx, ADMIN, cid, `left-${cid}-1`)).rejects.toMatchObject({ code: "not_found" });
    const started = await startCampaign(ctx, ADMIN, cid);
    const items = await s.db.campaignItem.findMany({ where: { campaignId: cid }, orderBy: { ordinal: "asc" } });
    expect(items).toHaveLength(started.itemCount);
    expect(items.map((i) => i.ordinal)).toEqual(items.map((_, k) => k + 1));
    expect(items.some((i) => i.id.startsWith("left-") || i.resourceId === "left-group")).toBe(false);
    expect(await s.db.campaignResourceReviewer.count({ where: { campaignId: cid, resourceId: "left-group" } })).toBe(0);
    expect(await s.db.campaignItemReviewerOverride.count({ where: { itemId: { startsWith: "left-" } } })).toBe(0);
    expect(await storedHash(cid)).toBe(started.itemsHash);
    // Every stored value (SQLite's worker fills most of them from per-person and per-group strings) as the directory
    // has it; ids are unique and end in the ordinal.
    const users = new Map((await s.db.dirUser.findMany({ where: { tenantId: s.tenantId } })).map((u) => [u.id, u]));
    const groups = new Map((await s.db.dirGroup.findMany({ where: { tenantId: s.tenantId } })).map((g) => [g.id, g]));
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    let people = 0;
    for (const i of items) {
      expect(i).toMatchObject({ campaignId: cid, stage: 1, decision: null });
      expect(i.id.endsWith(`-${i.ordinal.toString(16).padStart(12, "0")}`)).toBe(true);
      expect(i.resourceName).toBe(groups.get(i.resourceId)!.displayName);
      const u = users.get(i.principalId);
      if (!u || i.principalType !== "user") continue;
      people++;
      expect([i.principalName, i.principalUpn, i.principalKind, i.lastSignInAt?.getTime() ?? null]).toEqual([
        u.displayName,
        u.userPrincipalName,
        u.userType === "Guest" ? "guest" : "member",
        u.lastSignInAt?.getTime() ?? null,
      ]);
      if (i.resourceType === "group") expect(i.accessId).toBe(i.principalId);
    }
    expect(people).toBeGreaterThan(10);
    expect(items.some((i) => i.lastSignInAt)).toBe(true);

    const gone = await draft("Deleted with leftovers");
    await leftovers(gone);
    await deleteDraft(ctx, ADMIN, gone);
    expect(await rowsOf(gone)).toEqual({ items: 0, overrides: 0, ranges: 0 });
  });

  test("a sync finishing while a start writes its items: SQLite refuses the start and keeps nothing (a retry starts it); PostgreSQL freezes from one sync", async () => {
    const cid = await draft("Overtaken by a sync");
    const before = await s.db.campaign.findUniqueOrThrow({ where: { id: cid } });
    const other = createClient(s.database.url);
    let syncs = 0;
    const sync = async () => {
      if (syncs++) return; // once: PostgreSQL retries the whole start after the sync's audit event
      const run = await runSync({
        db: other,
        graph: s.graph(),
        tenantId: s.tenantId,
        databaseUrl: s.database.url,
        trigger: "manual",
        mode: "full",
      });
      expect(run.status).toBe("succeeded");
    };
    try {
      const outcome = await startCampaign(ctx, ADMIN, cid, { afterItemsWritten: sync }).catch((e: unknown) => e);
      expect(syncs).toBeGreaterThan(0);
      const latest = await s.db.syncRun.findFirstOrThrow({
        where: { tenantId: s.tenantId, status: "succeeded" },
        orderBy: { startedAt: "desc" },
      });
      if (ctx.dialect.engine === "sqlite") {
        expect(outcome).toBeInstanceOf(UserError);
        expect((outcome as UserError).code).toBe("conflict");
        expect((outcome as Error).message).toMatch(/sync finished while the campaign was starting/);
        const c = await s.db.campaign.findUniqueOrThrow({ where: { id: cid } });
        expect(c.status).toBe("draft");
        expect(c.version).toBe(before.version + 1); // claimed by the start, so an edit made before it is refused
        expect(await rowsOf(cid)).toEqual({ items: 0, overrides: 0, ranges: 0 });
        expect(await s.db.auditEvent.count({ where: { action: "campaign.start", targetId: cid } })).toBe(0);
        await startCampaign(ctx, ADMIN, cid);
      } else expect(outcome).toMatchObject({ itemCount: expect.any(Number) });
      const c = await s.db.campaign.findUniqueOrThrow({ where: { id: cid } });
      expect(c.status).toBe("active");
      // PostgreSQL: the sync's audit event made the start's collide on the chain, and the whole start was retried.
      expect(c.syncRunId).toBe(latest.id);
      expect((await rowsOf(cid)).items).toBe(c.itemCount);
      expect(await storedHash(cid)).toBe(c.itemsHash);
      expect((await verifyChain(s.db)).ok).toBe(true);
    } finally {
      await other.$disconnect();
    }
  });
});
