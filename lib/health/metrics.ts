/**
 * Operators' metrics in Prometheus's text exposition format (version 0.0.4), for `GET /api/metrics` (#20). Every figure
 * is read from the database at scrape time, so each app instance behind a load balancer answers the same and a
 * restarted instance loses nothing: gauges only (the last sync, the backlog now), no in-process counters that would
 * differ per instance or reset. Alert on `recert_sync_last_success_age_seconds` to catch a stalled sync.
 */
import type { Ctx } from "@/lib/db/context";

interface Metric {
  name: string;
  help: string;
  samples: { labels?: Record<string, string>; value: number }[];
}

/** A label value as the format wants it: backslash, double quote and line feed escaped. */
const labelValue = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export function exposition(metrics: Metric[]): string {
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${m.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${m.name} gauge`);
    for (const s of m.samples) {
      const labels = Object.entries(s.labels ?? {});
      const l = labels.length ? `{${labels.map(([k, v]) => `${k}="${labelValue(v)}"`).join(",")}}` : "";
      lines.push(`${m.name}${l} ${Number.isFinite(s.value) ? s.value : "NaN"}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

const seconds = (ms: number) => Math.round(ms) / 1000;

export async function collectMetrics(ctx: Ctx): Promise<Metric[]> {
  const { db, tenantId } = ctx;
  const now = ctx.now();
  const lastOk = await db.syncRun.findFirst({
    where: { tenantId, status: "succeeded" },
    orderBy: { finishedAt: "desc" },
    select: { finishedAt: true, durationMs: true, progress: true },
  });
  const last = await db.syncRun.findFirst({
    where: { tenantId, status: { not: "running" } },
    orderBy: { startedAt: "desc" },
    select: { status: true },
  });
  const running = await db.syncRun.count({ where: { tenantId, status: "running" } });
  const progress = (() => {
    try {
      return JSON.parse(lastOk?.progress ?? "{}") as { requests?: number; retries?: number; throttled?: number };
    } catch {
      return {};
    }
  })();
  const outbox = await db.outboxMessage.groupBy({ by: ["status"], where: { tenantId }, _count: { _all: true } });
  const oldestPending = await db.outboxMessage.findFirst({
    where: { tenantId, status: "pending" },
    orderBy: { createdAt: "asc" },
    select: { createdAt: true },
  });
  const active = await db.campaign.findMany({
    where: { tenantId, status: "active" },
    select: { endAt: true, stageEndsAt: true },
  });
  const overdue = active.filter((c) => (c.stageEndsAt ?? c.endAt) < now).length;
  const lastApplied = await db.campaign.findFirst({
    where: { tenantId, status: "applied" },
    orderBy: { appliedAt: "desc" },
    select: { id: true },
  });
  // Prisma's aggregate returns Dates on both engines (raw SQL gives SQLite's text and PostgreSQL's Date).
  const applySpan = lastApplied
    ? await db.campaignItem.aggregate({
        where: { campaignId: lastApplied.id, appliedAt: { not: null } },
        _min: { appliedAt: true },
        _max: { appliedAt: true },
      })
    : undefined;
  const first = applySpan?._min.appliedAt;
  const lastAt = applySpan?._max.appliedAt;
  const closed = await db.campaign.findMany({ where: { tenantId, status: "closed" }, select: { id: true } });
  const failedItems = closed.length
    ? await db.campaignItem.count({ where: { campaignId: { in: closed.map((c) => c.id) }, applyStatus: "failed" } })
    : 0;
  const statuses = ["pending", "sending", "sent", "failed", "unconfirmed", "dismissed"];
  const byStatus = new Map(outbox.map((o) => [o.status, o._count._all]));
  return [
    {
      name: "recert_sync_last_success_timestamp_seconds",
      help: "When the last successful sync finished (Unix time).",
      samples: [{ value: lastOk?.finishedAt ? seconds(lastOk.finishedAt.getTime()) : Number.NaN }],
    },
    {
      name: "recert_sync_last_success_age_seconds",
      help: "Seconds since the last successful sync finished; alert when it grows past your sync interval.",
      samples: [{ value: lastOk?.finishedAt ? seconds(now.getTime() - lastOk.finishedAt.getTime()) : Number.NaN }],
    },
    {
      name: "recert_sync_last_success_duration_seconds",
      help: "How long the last successful sync took.",
      samples: [{ value: lastOk?.durationMs == null ? Number.NaN : seconds(lastOk.durationMs) }],
    },
    {
      name: "recert_sync_last_failed",
      help: "1 when the latest finished sync did not succeed.",
      samples: [{ value: last && last.status !== "succeeded" ? 1 : 0 }],
    },
    { name: "recert_sync_running", help: "Syncs running now (at most one).", samples: [{ value: running }] },
    {
      name: "recert_sync_last_graph_requests",
      help: "Graph requests of the last successful sync, with the retries and throttled (429) answers among them.",
      samples: [
        { labels: { kind: "requests" }, value: progress.requests ?? 0 },
        { labels: { kind: "retries" }, value: progress.retries ?? 0 },
        { labels: { kind: "throttled" }, value: progress.throttled ?? 0 },
      ],
    },
    {
      name: "recert_apply_last_duration_seconds",
      help: "From the first to the last removal applied in Entra for the last applied campaign.",
      samples: [{ value: first && lastAt ? seconds(lastAt.getTime() - first.getTime()) : Number.NaN }],
    },
    {
      name: "recert_apply_failed_items",
      help: "Revocations that failed in Entra and wait for a retry (closed campaigns).",
      samples: [{ value: failedItems }],
    },
    {
      name: "recert_notify_outbox_messages",
      help: "Notice messages by state; pending is the backlog.",
      samples: statuses.map((status) => ({ labels: { status }, value: byStatus.get(status) ?? 0 })),
    },
    {
      name: "recert_notify_oldest_pending_age_seconds",
      help: "Age of the oldest notice message still waiting to be sent (0 when none).",
      samples: [{ value: oldestPending ? seconds(now.getTime() - oldestPending.createdAt.getTime()) : 0 }],
    },
    { name: "recert_campaigns_open", help: "Active campaigns.", samples: [{ value: active.length }] },
    {
      name: "recert_campaigns_overdue",
      help: "Active campaigns past the end of their current stage.",
      samples: [{ value: overdue }],
    },
  ];
}
