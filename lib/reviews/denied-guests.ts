/**
 * Denied guests (#19), as Entra's access reviews offer ("block the user from signing in for 30 days, then remove the
 * user from the tenant"): when a campaign that asks for it is applied, each guest whose every item in it was revoked
 * and removed is blocked from signing in, and deleted `deleteAfterDays` later unless an admin restores them. Sponsors
 * are warned before the deletion. Guards: only accounts the directory still lists as guests are ever blocked or
 * deleted (a member never is), protected accounts never are, and an account someone re-enabled in Entra meanwhile is
 * taken as restored. Every step is audited; two scheduler passes at once delete a guest once (a version claim).
 *
 * Deleting a user takes the write app's User.ReadWrite.All (user-delete: "Higher privileged permissions: Not
 * available"); without it Graph answers 403 and the guest stays blocked, the row failed with the reason.
 */
import { z } from "zod";
import { appendAudit } from "@/lib/audit";
import type { Ctx } from "@/lib/db/context";
import { UserError } from "@/lib/errors";
import { graphWrite, type GraphClient, type WriteOp, type WriteResult } from "@/lib/graph";
import { protectedAccounts } from "@/lib/dashboards/protected";

const DAY = 86_400_000;
/** How long a pass holds a deletion it started; one that died holding it is taken over after this. */
const DELETE_LEASE_MS = 15 * 60_000;
/** The same for a block: a "blocking" row older than this is taken over by the next apply. */
const BLOCK_LEASE_MS = 15 * 60_000;

type Actor = { type: "system"; name: string } | { type: "user"; id: string; name: string };

async function write(
  ctx: Ctx,
  graph: GraphClient,
  op: WriteOp,
  actor: Actor,
  userId: string,
  context: Record<string, unknown>,
): Promise<WriteResult> {
  return graphWrite(graph, op, {
    before: async (o) =>
      void (await appendAudit(ctx.db, {
        actor,
        action: "graph.write.intent",
        target: { type: "user", id: userId },
        after: { op: o },
        context,
      })),
    after: async (o, r) =>
      void (await appendAudit(ctx.db, {
        actor,
        action: "graph.write",
        target: { type: "user", id: userId },
        after: {
          op: o,
          outcome: r.outcome,
          error:
            r.outcome === "failed" ? { status: r.error.status, code: r.error.code, message: r.error.message } : null,
        },
        context,
      })),
  });
}

const errorText = (r: WriteResult) =>
  r.outcome === "failed" ? `${r.error.status} ${r.error.code}: ${r.error.message}` : null;

/**
 * After a campaign's apply: blocks the guests it denied (every item of theirs revoked and removed) and schedules their
 * deletion. A guest blocked by an earlier apply of the campaign is not blocked again; a failed block is retried.
 */
export async function blockDeniedGuests(
  ctx: Ctx,
  campaign: { id: string; name: string; deleteAfterDays: number },
  graph: GraphClient,
  actor: Actor,
  protectedUpns: readonly string[] = [],
): Promise<{ blocked: number; failed: number; refused: number }> {
  const p = ctx.dialect.p;
  const denied = await ctx.db.$queryRawUnsafe<{ principalId: string; principalName: string | null }[]>(
    `SELECT i."principalId", MAX(i."principalName") AS "principalName" FROM "CampaignItem" i
     WHERE i."campaignId" = ${p(1)} AND i."principalKind" = 'guest' AND i."principalType" = 'user'
     GROUP BY i."principalId"
     HAVING SUM(CASE WHEN i."outcome" = 'revoke' AND i."applyStatus" IN ('applied', 'alreadyRemoved', 'removedManually')
                      AND i."returnedAt" IS NULL THEN 1 ELSE 0 END) = COUNT(*)`,
    campaign.id,
  );
  const report = { blocked: 0, failed: 0, refused: 0 };
  if (denied.length === 0) return report;
  const protectedMap = await protectedAccounts(ctx, protectedUpns);
  const now = ctx.now();
  for (const g of denied) {
    const existing = await ctx.db.deniedGuest.findUnique({
      where: { campaignId_userId: { campaignId: campaign.id, userId: g.principalId } },
    });
    // A failed block is retried; so is a block whose pass died between its claim and its outcome (after the lease).
    const stale = existing?.status === "blocking" && existing.createdAt < new Date(Date.now() - BLOCK_LEASE_MS);
    if (existing && existing.status !== "failed" && !stale) continue;
    if (existing?.blockedAt) continue; // blocked; a failed deletion is the scheduler's to retry
    const user = await ctx.db.dirUser.findFirst({
      where: { tenantId: ctx.tenantId, id: g.principalId },
      select: { userType: true, userPrincipalName: true },
    });
    const guard =
      user?.userType !== "Guest"
        ? "the directory does not list this account as a guest: members are never blocked or deleted here"
        : protectedMap.get(g.principalId);
    const row =
      existing ??
      (await ctx.db.deniedGuest
        .create({
          data: {
            tenantId: ctx.tenantId,
            userId: g.principalId,
            userName: g.principalName ?? user?.userPrincipalName ?? null,
            campaignId: campaign.id,
            status: "blocking",
            deleteAt: new Date(now.getTime() + campaign.deleteAfterDays * DAY),
          },
        })
        // Another apply of the same campaign created it first: theirs.
        .catch((e: unknown) => {
          if ((e as { code?: string }).code === "P2002") return null;
          throw e;
        }));
    if (!row) continue;
    if (existing) {
      const claimed = await ctx.db.deniedGuest.updateMany({
        where: { id: row.id, status: row.status, version: row.version },
        data: { status: "blocking", createdAt: new Date(), version: { increment: 1 } },
      });
      if (claimed.count === 0) continue;
    }
    if (guard) {
      await ctx.db.deniedGuest.update({ where: { id: row.id }, data: { status: "refused", error: guard } });
      await appendAudit(ctx.db, {
        actor,
        action: "guest.block.refused",
        target: { type: "user", id: g.principalId },
        after: { reason: guard },
        context: { campaignId: campaign.id },
      });
      report.refused++;
      continue;
    }
    const r = await write(
      ctx,
      graph,
      { kind: "setAccountEnabled", userId: g.principalId, enabled: false },
      actor,
      g.principalId,
      {
        campaignId: campaign.id,
        deniedGuestId: row.id,
      },
    );
    const ok = r.outcome !== "failed";
    await ctx.db.deniedGuest.update({
      where: { id: row.id },
      // The deletion's date counts from the block that worked (a retried block does not shorten it).
      data: ok
        ? {
            status: "blocked",
            blockedAt: now,
            deleteAt: new Date(now.getTime() + campaign.deleteAfterDays * DAY),
            error: null,
          }
        : { status: "failed", error: errorText(r) },
    });
    if (ok) {
      await appendAudit(ctx.db, {
        actor,
        action: "guest.block",
        target: { type: "user", id: g.principalId },
        after: { status: "blocked", deleteAt: new Date(now.getTime() + campaign.deleteAfterDays * DAY).toISOString() },
        context: { campaignId: campaign.id, campaign: campaign.name },
      });
      report.blocked++;
    } else report.failed++;
  }
  return report;
}

export interface DeniedGuestsReport {
  warned: number;
  deleted: number;
  restored: number;
  failed: number;
}

/** One scheduler pass: warn sponsors `warnDays` before a deletion, then delete what is due (guards checked again). */
export async function runDeniedGuests(
  ctx: Ctx,
  graph: (() => GraphClient) | null,
  o: { warnDays?: number; protectedUpns?: readonly string[] } = {},
): Promise<DeniedGuestsReport> {
  const now = ctx.now();
  const report: DeniedGuestsReport = { warned: 0, deleted: 0, restored: 0, failed: 0 };
  const actor: Actor = { type: "system", name: "Recert scheduler" };
  const soon = await ctx.db.deniedGuest.findMany({
    where: {
      tenantId: ctx.tenantId,
      status: "blocked",
      warnedAt: null,
      deleteAt: { lte: new Date(now.getTime() + (o.warnDays ?? 7) * DAY) },
    },
  });
  for (const d of soon) {
    // The warned mark is the claim: two passes at once warn once.
    // A warning later than the window (the scheduler did not run) moves the date to a day after it: never deleted
    // on the day of the warning.
    const deleteAt = new Date(Math.max(d.deleteAt.getTime(), now.getTime() + DAY));
    const claimed = await ctx.db.deniedGuest.updateMany({
      where: { id: d.id, warnedAt: null },
      data: { warnedAt: now, deleteAt },
    });
    if (claimed.count === 0) continue;
    d.deleteAt = deleteAt;
    const sponsors = await ctx.db.dirSponsor.findMany({
      where: { userId: d.userId, sponsorType: "user" },
      select: { sponsorId: true },
    });
    const campaign = await ctx.db.campaign.findUnique({
      where: { id: d.campaignId },
      select: { name: true, startedById: true },
    });
    // No sponsor: the admin who started the review hears of it.
    const recipients = sponsors.length
      ? sponsors.map((s) => s.sponsorId)
      : campaign?.startedById
        ? [campaign.startedById]
        : [];
    if (recipients.length)
      await ctx.db.notification.createMany({
        data: recipients.map((r) => ({
          tenantId: ctx.tenantId,
          recipientId: r,
          kind: "guest-deletion-warning",
          subject: `Guest ${d.userName ?? d.userId} will be deleted on ${d.deleteAt.toISOString().slice(0, 10)}`,
          body: `The access review "${campaign?.name ?? d.campaignId}" revoked all of this guest's access; their sign-in is blocked. Ask an admin to restore them if they still need access.`,
          link: "/reviews",
        })),
      });
    await appendAudit(ctx.db, {
      actor,
      action: "guest.deletion.warned",
      target: { type: "user", id: d.userId },
      after: { recipients: recipients.length, deleteAt: d.deleteAt.toISOString() },
      context: { deniedGuestId: d.id, campaignId: d.campaignId },
    });
    report.warned++;
  }
  if (!graph) return report;
  const due = await ctx.db.deniedGuest.findMany({
    where: {
      tenantId: ctx.tenantId,
      deleteAt: { lte: now },
      // Never without the sponsors' warning (a pass that missed the window warns first, below the date: see above).
      warnedAt: { not: null },
      OR: [
        { status: "blocked" },
        { status: "failed", blockedAt: { not: null } },
        { status: "deleting", deletedAt: { lt: new Date(now.getTime() - DELETE_LEASE_MS) } },
      ],
    },
    orderBy: { deleteAt: "asc" },
  });
  if (due.length === 0) return report;
  const client = graph();
  const protectedMap = await protectedAccounts(ctx, o.protectedUpns ?? []);
  for (const d of due) {
    const claimed = await ctx.db.deniedGuest.updateMany({
      where: { id: d.id, status: d.status, version: d.version },
      // deletedAt marks the claim's time while deleting (the lease), and the deletion's once done.
      data: { status: "deleting", deletedAt: new Date(), version: { increment: 1 } },
    });
    if (claimed.count === 0) continue;
    // Guards, read live from Entra just before the DELETE (the latest sync may be hours old; a user it does not list
    // is not taken on trust either): a member is never deleted, nor a protected account, nor an account someone
    // enabled again since the block (restored there, left alone). The write app reads users with User.ReadWrite.All,
    // which the deletion needs anyway.
    const live = await client
      .send("GET", `/users/${encodeURIComponent(d.userId)}?$select=id,userType,accountEnabled`)
      .catch((e: Error) => ({ status: 0, body: { error: { message: e.message } } }));
    const u = live.body as {
      userType?: string | null;
      accountEnabled?: boolean;
      error?: { code?: string; message?: string };
    };
    if (live.status === 404) {
      await ctx.db.deniedGuest.update({
        where: { id: d.id },
        data: { status: "deleted", deletedAt: now, error: null },
      });
      await appendAudit(ctx.db, {
        actor,
        action: "guest.delete",
        target: { type: "user", id: d.userId },
        after: { status: "deleted", outcome: "already_removed" },
        context: { deniedGuestId: d.id, campaignId: d.campaignId },
      });
      report.deleted++;
      continue;
    }
    const refused =
      live.status !== 200
        ? null
        : u.userType !== "Guest"
          ? "Entra lists this account as a member now: members are never deleted"
          : (protectedMap.get(d.userId) ?? null);
    if (live.status !== 200 || refused) {
      // A read that failed is retried by a later pass (status failed); a guard that refuses is final.
      const error =
        refused ??
        `Could not read the account before deleting it: ${live.status} ${u.error?.code ?? ""}: ${u.error?.message ?? ""}`;
      await ctx.db.deniedGuest.update({
        where: { id: d.id },
        data: { status: refused ? "refused" : "failed", error, deletedAt: null },
      });
      await appendAudit(ctx.db, {
        actor,
        action: refused ? "guest.delete.refused" : "guest.delete.failed",
        target: { type: "user", id: d.userId },
        after: { reason: error },
        context: { deniedGuestId: d.id, campaignId: d.campaignId },
      });
      report.failed++;
      continue;
    }
    if (u.accountEnabled) {
      await ctx.db.deniedGuest.update({
        where: { id: d.id },
        data: { status: "restored", restoredAt: now, restoredBy: "Entra (sign-in enabled again)", deletedAt: null },
      });
      await appendAudit(ctx.db, {
        actor,
        action: "guest.restore",
        target: { type: "user", id: d.userId },
        after: { status: "restored", by: "Entra (sign-in enabled again since the block)" },
        context: { deniedGuestId: d.id, campaignId: d.campaignId },
      });
      report.restored++;
      continue;
    }
    const r = await write(ctx, client, { kind: "deleteUser", userId: d.userId }, actor, d.userId, {
      deniedGuestId: d.id,
      campaignId: d.campaignId,
    });
    const ok = r.outcome !== "failed";
    await ctx.db.deniedGuest.update({
      where: { id: d.id },
      data: ok
        ? { status: "deleted", deletedAt: now, error: null }
        : { status: "failed", error: errorText(r), deletedAt: null },
    });
    if (ok) {
      await appendAudit(ctx.db, {
        actor,
        action: "guest.delete",
        target: { type: "user", id: d.userId },
        after: { status: "deleted", outcome: r.outcome },
        context: { deniedGuestId: d.id, campaignId: d.campaignId },
      });
      report.deleted++;
    } else report.failed++;
  }
  return report;
}

export const ZRestoreDeniedGuest = z.object({
  id: z.guid("Not a denied guest."),
  reason: z.string().trim().min(1, "Say why the guest keeps their account.").max(500),
});

/** An admin keeps a denied guest: the deletion is cancelled and sign-in enabled again. */
export async function restoreDeniedGuest(
  ctx: Ctx,
  actor: { id: string; name: string; role: string },
  input: z.output<typeof ZRestoreDeniedGuest>,
  graph: GraphClient,
): Promise<{ reenabled: boolean }> {
  if (actor.role !== "admin") throw new UserError("forbidden", "Only an admin can restore a guest.");
  const d = await ctx.db.deniedGuest.findUnique({ where: { id: input.id } });
  if (!d || d.tenantId !== ctx.tenantId) throw new UserError("not_found", "No such denied guest.");
  if (!["blocked", "failed", "refused"].includes(d.status))
    throw new UserError(
      "conflict",
      d.status === "deleted" ? "This guest was deleted already." : `This guest is ${d.status}.`,
    );
  const now = ctx.now();
  const claimed = await ctx.db.deniedGuest.updateMany({
    where: { id: d.id, status: d.status, version: d.version },
    data: { status: "restored", restoredAt: now, restoredBy: actor.name, version: { increment: 1 } },
  });
  if (claimed.count === 0) throw new UserError("conflict", "Someone else changed this guest meanwhile. Reload.");
  // The same guest denied by another review too: kept means kept, every pending deletion of theirs is cancelled.
  await ctx.db.deniedGuest.updateMany({
    where: { tenantId: ctx.tenantId, userId: d.userId, status: { in: ["blocked", "failed", "refused"] } },
    data: { status: "restored", restoredAt: now, restoredBy: actor.name, version: { increment: 1 } },
  });
  const who: Actor = { type: "user", id: actor.id, name: actor.name };
  const r = d.blockedAt
    ? await write(ctx, graph, { kind: "setAccountEnabled", userId: d.userId, enabled: true }, who, d.userId, {
        deniedGuestId: d.id,
      })
    : null;
  if (r?.outcome === "failed") await ctx.db.deniedGuest.update({ where: { id: d.id }, data: { error: errorText(r) } });
  await appendAudit(ctx.db, {
    actor: who,
    action: "guest.restore",
    target: { type: "user", id: d.userId },
    before: { status: d.status },
    after: { status: "restored", reason: input.reason, reenabled: r ? r.outcome !== "failed" : false },
    context: { deniedGuestId: d.id, campaignId: d.campaignId },
  });
  return { reenabled: Boolean(r && r.outcome !== "failed") };
}

/** The denied guests still pending (blocked, failed or refused) and the latest done, for the Guests page. */
export async function listDeniedGuests(ctx: Ctx) {
  // Every pending one (an admin can restore each), then the latest done.
  const pending = await ctx.db.deniedGuest.findMany({
    where: { tenantId: ctx.tenantId, status: { in: ["blocking", "blocked", "failed", "refused", "deleting"] } },
    orderBy: [{ deleteAt: "asc" }],
  });
  const done = await ctx.db.deniedGuest.findMany({
    where: { tenantId: ctx.tenantId, status: { in: ["deleted", "restored"] } },
    orderBy: [{ deleteAt: "desc" }],
    take: 50,
  });
  return [...pending, ...done];
}
