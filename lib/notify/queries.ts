/** The outbox as Settings shows it (#18): counts by state and the latest messages, newest first. */
import type { Ctx } from "@/lib/db/context";

export interface OutboxRow {
  id: string;
  channel: string;
  kind: string;
  address: string;
  subject: string;
  status: string;
  attempts: number;
  lastError: string | null;
  transport: string | null;
  createdAt: string;
  nextAttemptAt: string;
  sentAt: string | null;
}

export async function outboxOverview(
  ctx: Ctx,
  o: { take?: number } = {},
): Promise<{ counts: Record<string, number>; rows: OutboxRow[] }> {
  const grouped = await ctx.db.outboxMessage.groupBy({
    by: ["status"],
    where: { tenantId: ctx.tenantId },
    _count: { _all: true },
  });
  const counts: Record<string, number> = { pending: 0, sending: 0, sent: 0, failed: 0, unconfirmed: 0, dismissed: 0 };
  for (const g of grouped) counts[g.status] = g._count._all;
  // Problems first (they need an admin), then the latest.
  const problems = await ctx.db.outboxMessage.findMany({
    where: { tenantId: ctx.tenantId, status: { in: ["failed", "unconfirmed"] } },
    orderBy: { createdAt: "desc" },
    take: o.take ?? 50,
  });
  const latest = await ctx.db.outboxMessage.findMany({
    where: { tenantId: ctx.tenantId, status: { notIn: ["failed", "unconfirmed"] } },
    orderBy: { createdAt: "desc" },
    take: o.take ?? 50,
  });
  return {
    counts,
    rows: [...problems, ...latest].map((m) => ({
      id: m.id,
      channel: m.channel,
      kind: m.kind,
      address: m.channel === "teams" ? "Teams channel" : m.address,
      subject: m.subject,
      status: m.status,
      attempts: m.attempts,
      lastError: m.lastError,
      transport: m.transport,
      createdAt: m.createdAt.toISOString(),
      nextAttemptAt: m.nextAttemptAt.toISOString(),
      sentAt: m.sentAt?.toISOString() ?? null,
    })),
  };
}
