/**
 * The operators' metrics (#20): Prometheus's text format, and figures that follow the database (a sync, the notice
 * backlog, an overdue campaign), on both engines.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runSync } from "@/lib/sync/run-sync";
import { setup } from "@/tests/support/emulator-fixture";
import { collectMetrics, exposition } from "./metrics";

let s: Awaited<ReturnType<typeof setup>>;

beforeAll(async () => {
  s = await setup();
});
afterAll(async () => {
  await s?.close();
});

/** The exposition parsed back: metric name (with labels) → value; every line must be a comment or a sample. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  expect(text.endsWith("\n")).toBe(true);
  for (const line of text.trimEnd().split("\n")) {
    if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const m = /^([a-z_:][a-z0-9_:]*(?:\{[a-z_]+="(?:[^"\\]|\\.)*"(?:,[a-z_]+="(?:[^"\\]|\\.)*")*\})?) (\S+)$/.exec(
      line,
    );
    expect(m, `not a sample line: ${line}`).not.toBeNull();
    out.set(m![1]!, m![2] === "NaN" ? Number.NaN : Number(m![2]));
  }
  return out;
}

describe("metrics", () => {
  test("before any sync the sync age is unknown; after one it is the run's", async () => {
    const before = parse(exposition(await collectMetrics(s.ctx)));
    expect(before.get("recert_sync_last_success_age_seconds")).toBeNaN();
    expect(before.get("recert_sync_running")).toBe(0);

    await runSync({ db: s.db, graph: s.graph(), tenantId: s.tenantId, databaseUrl: s.database.url, trigger: "manual" });
    const run = await s.db.syncRun.findFirstOrThrow({ where: { tenantId: s.tenantId, status: "succeeded" } });
    const later = new Date(run.finishedAt!.getTime() + 3_600_000);
    const m = parse(exposition(await collectMetrics({ ...s.ctx, now: () => later })));
    expect(m.get("recert_sync_last_success_age_seconds")).toBe(3600);
    expect(m.get("recert_sync_last_success_timestamp_seconds")).toBe(run.finishedAt!.getTime() / 1000);
    expect(m.get("recert_sync_last_success_duration_seconds")).toBe(run.durationMs! / 1000);
    expect(m.get('recert_sync_last_graph_requests{kind="requests"}')).toBeGreaterThan(0);
    expect(m.get("recert_sync_last_failed")).toBe(0);
  });

  test("the notice backlog is counted by state, with the age of the oldest waiting message", async () => {
    const now = new Date();
    await s.db.outboxMessage.createMany({
      data: [0, 1, 2].map((i) => ({
        tenantId: s.tenantId,
        channel: "mail",
        dedupeKey: `metrics-test-${i}`,
        kind: "digest",
        address: `person${i}@contoso.example`,
        subject: "s",
        text: "t",
        noticeIds: "[]",
        status: i < 2 ? "pending" : "failed",
        nextAttemptAt: now,
        createdAt: new Date(now.getTime() - (i + 1) * 60_000),
      })),
    });
    const m = parse(exposition(await collectMetrics({ ...s.ctx, now: () => now })));
    expect(m.get('recert_notify_outbox_messages{status="pending"}')).toBe(2);
    expect(m.get('recert_notify_outbox_messages{status="failed"}')).toBe(1);
    expect(m.get("recert_notify_oldest_pending_age_seconds")).toBe(120);
  });

  test("the last apply's duration spans its first to its last removal; failed removals of closed campaigns count", async () => {
    const t0 = new Date("2026-11-20T10:00:00.000Z");
    const campaign = (id: string, status: string, appliedAt: Date | null) => ({
      id,
      definitionId: id,
      tenantId: s.tenantId,
      name: `metrics ${status}`,
      sequence: 1,
      status,
      config: "{}",
      startAt: t0,
      endAt: t0,
      appliedAt,
    });
    const item = (campaignId: string, ordinal: number, applyStatus: string, appliedAt: Date | null) => ({
      id: `${campaignId}-${ordinal}`,
      campaignId,
      ordinal,
      principalId: `p${ordinal}`,
      principalType: "user",
      principalKind: "member",
      resourceType: "group",
      resourceId: "g",
      accessId: `a${ordinal}`,
      recommendation: "none",
      recommendationReason: "",
      applyStatus,
      appliedAt,
    });
    const older = "00000000-0000-4000-8000-00000000a001";
    const last = "00000000-0000-4000-8000-00000000a002";
    const closed = "00000000-0000-4000-8000-00000000a003";
    await s.db.campaign.createMany({
      data: [
        campaign(older, "applied", new Date(t0.getTime() + 60_000)),
        campaign(last, "applied", new Date(t0.getTime() + 3_600_000)),
        campaign(closed, "closed", null),
      ],
    });
    await s.db.campaignItem.createMany({
      data: [
        // An older apply that took an hour: not the last one.
        item(older, 1, "applied", t0),
        item(older, 2, "applied", new Date(t0.getTime() + 3_600_000)),
        // The last apply: 90.5 s from its first removal to its last.
        item(last, 1, "applied", new Date(t0.getTime() + 3_000_000)),
        item(last, 2, "applied", new Date(t0.getTime() + 3_090_500)),
        item(last, 3, "alreadyRemoved", new Date(t0.getTime() + 3_045_000)),
        // A closed campaign whose apply left two failures (its applied item does not count).
        item(closed, 1, "failed", null),
        item(closed, 2, "failed", null),
        item(closed, 3, "applied", t0),
      ],
    });
    const m = parse(exposition(await collectMetrics(s.ctx)));
    expect(m.get("recert_apply_last_duration_seconds")).toBe(90.5);
    expect(m.get("recert_apply_failed_items")).toBe(2);
    await s.db.campaignItem.deleteMany({ where: { campaignId: { in: [older, last, closed] } } });
    await s.db.campaign.deleteMany({ where: { id: { in: [older, last, closed] } } });
  });

  test("label values are escaped", () => {
    const text = exposition([{ name: "x", help: "h", samples: [{ labels: { k: 'a"b\\c\nd' }, value: 1 }] }]);
    expect(text).toContain('x{k="a\\"b\\\\c\\nd"} 1');
    expect(parse(text).size).toBe(1);
  });
});
