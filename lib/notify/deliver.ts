/**
 * The outbox's sender (#18): delivers pending messages, records each one's fate, never sends one twice.
 *
 * - A message is claimed before it is sent (pending → sending, by a conditional update that only one sender can win,
 *   with a lease), and marked sent only by the sender holding the claim. Two schedulers running at once each send a
 *   different message.
 * - A sender killed mid-send leaves its message "sending". When the lease has run out, the next pass cannot know
 *   whether the relay took it (no mail API offers an idempotency key, and SMTP's reply can be lost after the relay
 *   queued the message: RFC 1047), so it is marked "unconfirmed", never re-sent on its own, and Settings offers to
 *   send it again. Nothing is lost silently and nothing is sent twice without an admin choosing so.
 * - Refusals: retried with exponential backoff (1 min, 2, 4 … capped at 6 h), or after the server's Retry-After when
 *   longer; a throttled channel pauses for the rest of the pass. After MAX_ATTEMPTS, or on a permanent refusal,
 *   "failed" with the reason, shown in Settings.
 * - Mail is paced at the channel's messages per minute (Exchange Online accepts 30 a minute from one mailbox).
 */
import { randomUUID } from "node:crypto";
import type { Ctx } from "@/lib/db/context";
import type { OutgoingMessage, Outcome, Transports } from "./transports";

export const MAX_ATTEMPTS = 8;
export const LEASE_MS = 10 * 60_000;
export const PASS_BUDGET_MS = 10 * 60_000;

type OutgoingRow = OutgoingMessage & { attempts: number | bigint };
const BACKOFF_BASE_MS = 60_000;
const BACKOFF_CAP_MS = 6 * 3_600_000;

export const backoffMs = (attempt: number) => Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));

export interface DeliveryReport {
  sent: number;
  retried: number;
  failed: number;
  unconfirmed: number;
  throttled: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function deliverOutbox(
  ctx: Ctx,
  transports: Transports,
  o: {
    owner?: string;
    leaseMs?: number;
    maxMessages?: number;
    budgetMs?: number;
    /** Aborted (SIGTERM): the message in hand is finished, nothing more is claimed. */
    signal?: AbortSignal;
  } = {},
): Promise<DeliveryReport> {
  const owner = o.owner ?? `sender-${process.pid}-${randomUUID().slice(0, 8)}`;
  const leaseMs = o.leaseMs ?? LEASE_MS;
  const report: DeliveryReport = { sent: 0, retried: 0, failed: 0, unconfirmed: 0, throttled: [] };
  const start = ctx.now();
  const p = (i: number) => ctx.dialect.p(i);
  // Single statements, not Prisma's updateMany: on SQLite a read-then-write transaction of one process cannot take
  // the write lock after another process wrote (SQLITE_BUSY_SNAPSHOT); an autocommit UPDATE waits its turn.
  const ts = (d: Date) => (ctx.dialect.engine === "sqlite" ? d.toISOString().replace("Z", "+00:00") : d.toISOString());
  report.unconfirmed = await ctx.db.$executeRawUnsafe(
    `UPDATE "OutboxMessage" SET "status" = 'unconfirmed', "claimedBy" = NULL, "claimedUntil" = NULL, "lastError" = ${p(1)}
     WHERE "tenantId" = ${p(2)} AND "status" = 'sending' AND "claimedUntil" < ${p(3)}`,
    "The sender stopped while sending this message: it may or may not have arrived. Send it again or dismiss it.",
    ctx.tenantId,
    ts(start),
  );

  const channels = [transports.mail ? "mail" : null, transports.teams ? "teams" : null].filter(
    (c): c is "mail" | "teams" => c !== null,
  );
  const paused = new Set<string>();
  let lastMailAt = 0;
  let handled = 0;
  const max = o.maxMessages ?? Number.POSITIVE_INFINITY;
  const skipped = new Set<string>();
  // A pass ends within its budget (default 10 minutes), so passes from a 15-minute cron do not overlap and the rate a
  // mailbox sees stays the pacing below; what is left waits for the next pass.
  const deadline = Date.now() + (o.budgetMs ?? PASS_BUDGET_MS);
  while (handled < max && Date.now() < deadline && !o.signal?.aborted) {
    const open = channels.filter((c) => !paused.has(c));
    if (open.length === 0) break;
    const now = ctx.now();
    const candidates = await ctx.db.outboxMessage.findMany({
      where: {
        tenantId: ctx.tenantId,
        status: "pending",
        nextAttemptAt: { lte: now },
        channel: { in: open },
        ...(skipped.size ? { id: { notIn: [...skipped] } } : {}),
      },
      orderBy: [{ nextAttemptAt: "asc" }, { createdAt: "asc" }],
      take: 50,
    });
    if (candidates.length === 0) break;
    for (const m of candidates) {
      if (handled >= max) break;
      if (paused.has(m.channel)) continue;
      // The claim: only one sender turns this pending row into its own "sending" row, and only while it is still due
      // (another sender may have pushed it back meanwhile). What is sent is the row as claimed, not as read above: a
      // composer may have added notices to a pending digest in between.
      const [row] = await ctx.db.$queryRawUnsafe<OutgoingRow[]>(
        `UPDATE "OutboxMessage" SET "status" = 'sending', "claimedBy" = ${p(1)}, "claimedUntil" = ${p(2)}, "attempts" = "attempts" + 1
         WHERE "id" = ${p(3)} AND "status" = 'pending' AND "nextAttemptAt" <= ${p(4)}
         RETURNING "id", "channel", "address", "subject", "text", "html", "card", "attempts"`,
        owner,
        ts(new Date(ctx.now().getTime() + leaseMs)),
        m.id,
        ts(ctx.now()),
      );
      if (!row) {
        skipped.add(m.id);
        continue;
      }
      handled++;
      const t = m.channel === "mail" ? transports.mail! : transports.teams!;
      if (m.channel === "mail") {
        const gap = 60_000 / transports.mail!.perMinute;
        const wait = lastMailAt + gap - Date.now();
        if (wait > 0) await sleep(wait);
        lastMailAt = Date.now();
      }
      let outcome: Outcome;
      try {
        outcome = await t.send(row);
      } catch (e) {
        outcome = { ok: false, retry: true, error: (e as Error).message };
      }
      const attempts = Number(row.attempts);
      const done = ctx.now();
      if (outcome.ok) {
        await ctx.db.$executeRawUnsafe(
          `UPDATE "OutboxMessage" SET "status" = 'sent', "sentAt" = ${p(1)}, "transport" = ${p(2)}, "claimedBy" = NULL, "claimedUntil" = NULL, "lastError" = NULL
           WHERE "id" = ${p(3)} AND "claimedBy" = ${p(4)}`,
          ts(done),
          t.name,
          m.id,
          owner,
        );
        report.sent++;
        continue;
      }
      // Sent or not, nobody can tell (the connection broke after the message went out): never again on its own.
      if (outcome.unconfirmed) {
        await ctx.db.$executeRawUnsafe(
          `UPDATE "OutboxMessage" SET "status" = 'unconfirmed', "transport" = ${p(1)}, "claimedBy" = NULL, "claimedUntil" = NULL, "lastError" = ${p(2)}
           WHERE "id" = ${p(3)} AND "claimedBy" = ${p(4)}`,
          t.name,
          `${outcome.error} It may or may not have arrived.`.slice(0, 2000),
          m.id,
          owner,
        );
        report.unconfirmed++;
        // The line is unreliable: the next message would likely share this one's fate; the channel waits.
        paused.add(m.channel);
        report.throttled.push(m.channel);
        continue;
      }
      const giveUp = !outcome.retry || attempts >= MAX_ATTEMPTS;
      const wait = Math.max(backoffMs(attempts), outcome.retryAfterMs ?? 0);
      await ctx.db.$executeRawUnsafe(
        `UPDATE "OutboxMessage" SET "status" = ${p(1)}, "nextAttemptAt" = ${p(2)}, "transport" = ${p(3)}, "claimedBy" = NULL, "claimedUntil" = NULL, "lastError" = ${p(4)}
         WHERE "id" = ${p(5)} AND "claimedBy" = ${p(6)}`,
        giveUp ? "failed" : "pending",
        ts(giveUp ? done : new Date(done.getTime() + wait)),
        t.name,
        `${outcome.error}${giveUp && outcome.retry ? ` (gave up after ${attempts} attempts)` : ""}`.slice(0, 2000),
        m.id,
        owner,
      );
      if (giveUp) report.failed++;
      else report.retried++;
      if (outcome.throttled) {
        paused.add(m.channel);
        report.throttled.push(m.channel);
      }
    }
  }
  return report;
}

/** An admin's choice about a failed or unconfirmed message: send it again now, or dismiss it. */
export async function resolveMessage(
  ctx: Ctx,
  id: string,
  action: "resend" | "dismiss",
): Promise<{ status: string } | null> {
  const n = await ctx.db.outboxMessage.updateMany({
    where: {
      id,
      tenantId: ctx.tenantId,
      status: { in: ["failed", "unconfirmed"] },
      // Nothing to send again without an address.
      ...(action === "resend" ? { NOT: { address: "" } } : {}),
    },
    data:
      action === "resend"
        ? { status: "pending", nextAttemptAt: ctx.now(), attempts: 0, lastError: null }
        : { status: "dismissed", claimedBy: null },
  });
  return n.count === 1 ? { status: action === "resend" ? "pending" : "dismissed" } : null;
}
