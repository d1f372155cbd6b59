/**
 * From notices to messages (#18). Every notice (lib/reviews, lib/guests) is a Notification row written in its event's
 * transaction: the in-app inbox entry and the outbox's record at once. Composing turns notices that no pass has taken
 * yet into OutboxMessage rows, and marks them taken, in one transaction: a crash leaves either both or neither, and
 * two schedulers composing at once cannot both take a notice (the second one's mark finds fewer rows and rolls back).
 *
 * Mail: a person gets at most one mail a day about their reviews, whatever the number of campaigns: the day's digest.
 * While it has not gone out, later notices join it; once it has, they wait for the next day's (sent at
 * DIGEST_HOUR_UTC). Summaries to admins (closed, applied) go one by one, at once. Teams: one card per campaign event
 * (the channel sees "34 reviewers were reminded", not 34 cards). A campaign can turn either channel off for itself.
 */
import type { Ctx } from "@/lib/db/context";
import type { NotifyConfig } from "./config";
import { cardText, kindLabel, type NoticeLike, recertLink, renderCard, renderMail } from "./render";

export const DIGEST_HOUR_UTC = 7;
const IMMEDIATE = new Set(["closed", "applied"]);
const DAY = 86_400_000;

const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const digestKey = (tenantId: string, recipientId: string, day: string) =>
  `${tenantId}:mail:digest:${recipientId}:${day}`;

interface Recipient {
  name: string;
  address: string | null;
}

class ComposeRace extends Error {}

/** Takes every notice no pass has taken yet into the outbox; the number of notices and of messages written. */
export async function composeOutbox(
  ctx: Ctx,
  cfg: NotifyConfig,
  o: { batch?: number } = {},
): Promise<{ notices: number; messages: number }> {
  const batch = o.batch ?? 2_000;
  let notices = 0;
  let messages = 0;
  for (;;) {
    const rows = await ctx.db.notification.findMany({
      where: { tenantId: ctx.tenantId, composedAt: null },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: batch,
    });
    if (rows.length === 0) break;
    try {
      messages += await composeBatch(ctx, cfg, rows);
      notices += rows.length;
    } catch (e) {
      if (e instanceof ComposeRace) break; // another scheduler took them: its messages stand
      throw e;
    }
    if (rows.length < batch) break;
  }
  return { notices, messages };
}

type NoticeRow = NoticeLike & { recipientId: string; campaignId: string | null };

async function composeBatch(ctx: Ctx, cfg: NotifyConfig, rows: NoticeRow[]): Promise<number> {
  const now = ctx.now();
  const campaignIds = [...new Set(rows.map((r) => r.campaignId).filter((x): x is string => Boolean(x)))];
  const campaigns = new Map(
    (
      await ctx.db.campaign.findMany({
        where: { id: { in: campaignIds }, tenantId: ctx.tenantId },
        select: { id: true, name: true, config: true },
      })
    ).map((c) => {
      // CampaignConfig.notify (lib/reviews/definition.ts); configs from before it existed use every channel.
      let notify = { mail: true, teams: true };
      try {
        const n = (JSON.parse(c.config) as { notify?: { mail?: unknown; teams?: unknown } }).notify;
        notify = { mail: n?.mail !== false, teams: n?.teams !== false };
      } catch {}
      return [c.id, { name: c.name, notify }];
    }),
  );
  const recipients = await recipientsOf(
    ctx,
    rows.map((r) => r.recipientId),
  );
  // A campaign's "no mail" is about its reviewers' notices; admins' close and apply summaries still go.
  const wantsMail = (n: NoticeRow) =>
    Boolean(cfg.mail) && (!n.campaignId || IMMEDIATE.has(n.kind) || campaigns.get(n.campaignId)?.notify.mail !== false);
  const wantsTeams = (n: NoticeRow) =>
    Boolean(cfg.teams) && Boolean(n.campaignId) && campaigns.get(n.campaignId!)?.notify.teams !== false;

  const digests = new Map<string, NoticeRow[]>();
  const singles: NoticeRow[] = [];
  const cards = new Map<string, NoticeRow[]>();
  for (const n of rows) {
    if (wantsMail(n)) {
      if (IMMEDIATE.has(n.kind)) singles.push(n);
      else digests.set(n.recipientId, [...(digests.get(n.recipientId) ?? []), n]);
    }
    if (wantsTeams(n)) {
      const k = `${n.campaignId}\u0000${n.kind}`;
      cards.set(k, [...(cards.get(k) ?? []), n]);
    }
  }

  try {
    return await ctx.db.$transaction(
      async (tx) => {
        const ids = rows.map((r) => r.id);
        let marked = 0;
        for (let i = 0; i < ids.length; i += 500)
          marked += (
            await tx.notification.updateMany({
              where: { id: { in: ids.slice(i, i + 500) }, composedAt: null },
              data: { composedAt: now },
            })
          ).count;
        if (marked !== ids.length) throw new ComposeRace();
        let written = 0;
        const mailRow = (
          to: Recipient,
          recipientId: string,
          kind: string,
          noticeList: NoticeLike[],
          key: string,
          at: Date,
        ) => {
          const r = renderMail(to.name, noticeList, cfg.publicUrl);
          return {
            tenantId: ctx.tenantId,
            channel: "mail",
            dedupeKey: key,
            kind,
            recipientId,
            address: to.address ?? "",
            subject: r.subject,
            text: r.text,
            html: r.html,
            noticeIds: JSON.stringify(noticeList.map((n) => n.id)),
            status: to.address ? "pending" : "failed",
            lastError: to.address
              ? null
              : `${to.name} has no mail address in Entra: the notice waits in Recert's inbox.`,
            nextAttemptAt: at,
            createdAt: now,
          };
        };
        // Someone Entra gives no mail address: one "failed" row the first time, for Settings to show; their notices
        // stay in the inbox (never a row a day, never "sent again" to nobody).
        const unaddressed = async (recipientId: string, to: Recipient, kind: string, list: NoticeLike[]) => {
          const key = `${ctx.tenantId}:mail:no-address:${recipientId}`;
          if (await tx.outboxMessage.findUnique({ where: { dedupeKey: key }, select: { id: true } })) return;
          await tx.outboxMessage.create({ data: mailRow(to, recipientId, kind, list, key, now) });
          written++;
        };
        for (const n of singles) {
          const to = recipients.get(n.recipientId) ?? { name: n.recipientId, address: null };
          if (!to.address) {
            await unaddressed(n.recipientId, to, n.kind, [n]);
            continue;
          }
          await tx.outboxMessage.create({
            data: mailRow(to, n.recipientId, n.kind, [n], `${ctx.tenantId}:mail:notice:${n.id}`, now),
          });
          written++;
        }
        for (const [recipientId, list] of digests) {
          const to = recipients.get(recipientId) ?? { name: recipientId, address: null };
          if (!to.address) {
            await unaddressed(recipientId, to, "digest", list);
            continue;
          }
          // Today's digest if it has not gone out yet, else the next day's that has not.
          for (let d = 0; d < 366; d++) {
            const day = dayOf(new Date(now.getTime() + d * DAY));
            const key = digestKey(ctx.tenantId, recipientId, day);
            const at = d === 0 ? now : new Date(`${day}T${String(DIGEST_HOUR_UTC).padStart(2, "0")}:00:00.000Z`);
            const existing = await tx.outboxMessage.findUnique({ where: { dedupeKey: key } });
            if (!existing) {
              await tx.outboxMessage.create({ data: mailRow(to, recipientId, "digest", list, key, at) });
              written++;
              break;
            }
            if (existing.status !== "pending") continue;
            const before = JSON.parse(existing.noticeIds) as string[];
            const earlier = await tx.notification.findMany({ where: { id: { in: before } } });
            const merged = mailRow(to, recipientId, "digest", [...earlier, ...list], key, existing.nextAttemptAt);
            const n = await tx.outboxMessage.updateMany({
              where: { id: existing.id, status: "pending" },
              data: { subject: merged.subject, text: merged.text, html: merged.html, noticeIds: merged.noticeIds },
            });
            if (n.count === 1) break;
          }
        }
        for (const list of cards.values()) {
          const first = list[0]!;
          const campaign = campaigns.get(first.campaignId!)!;
          const names = list.map((n) => `${recipients.get(n.recipientId)?.name ?? n.recipientId}: ${n.body}`);
          const summary = IMMEDIATE.has(first.kind)
            ? first.body
            : `${kindLabel(first.kind)} sent to ${list.length} reviewer${list.length === 1 ? "" : "s"} of ${campaign.name}.`;
          const card = renderCard(
            first.subject,
            summary,
            IMMEDIATE.has(first.kind) ? [] : names,
            recertLink(cfg.publicUrl, IMMEDIATE.has(first.kind) ? first.link : `/campaigns/${first.campaignId}`),
          );
          await tx.outboxMessage.create({
            data: {
              tenantId: ctx.tenantId,
              channel: "teams",
              dedupeKey: `${ctx.tenantId}:teams:${first.campaignId}:${first.kind}:${first.id}`,
              kind: first.kind,
              address: "channel",
              subject: first.subject,
              text: cardText(card),
              card: JSON.stringify(card),
              noticeIds: JSON.stringify(list.map((n) => n.id)),
              status: "pending",
              nextAttemptAt: now,
              createdAt: now,
            },
          });
          written++;
        }
        return written;
      },
      { timeout: 120_000, maxWait: 30_000 },
    );
  } catch (e) {
    if (e instanceof ComposeRace) throw e;
    // The same digest or card written by another composer at the same moment (its unique key): theirs stands.
    if ((e as { code?: string }).code === "P2002") throw new ComposeRace();
    throw e;
  }
}

/** Name and mail address of each recipient: the directory's (a guest's mail is their own address), else Recert's. */
async function recipientsOf(ctx: Ctx, ids: string[]): Promise<Map<string, Recipient>> {
  const unique = [...new Set(ids)];
  const out = new Map<string, Recipient>();
  for (let i = 0; i < unique.length; i += 500) {
    const part = unique.slice(i, i + 500);
    for (const u of await ctx.db.dirUser.findMany({
      where: { id: { in: part } },
      select: { id: true, displayName: true, mail: true, userPrincipalName: true, userType: true },
    }))
      out.set(u.id, {
        name: u.displayName ?? u.userPrincipalName ?? u.id,
        address: u.mail ?? (u.userType === "Member" ? u.userPrincipalName : null),
      });
    const missing = part.filter((id) => !out.has(id));
    if (missing.length)
      for (const p of await ctx.db.principal.findMany({
        where: { id: { in: missing } },
        select: { id: true, displayName: true, upn: true },
      }))
        out.set(p.id, { name: p.displayName, address: p.upn.includes("#EXT#") ? null : p.upn });
  }
  return out;
}
