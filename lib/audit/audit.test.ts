import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createClient } from "@/lib/db/client";
import { createTestDatabase, type TestDatabase } from "@/scripts/lib/test-db";
import { appendAudit, chainHead } from "./append-audit";
import { GENESIS_HASH } from "./canonical";
import { verifyChain } from "./verify-chain";

let tdb: TestDatabase;
let db: ReturnType<typeof createClient>;
const q = (sql: string) => db.$executeRawUnsafe(sql);

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = createClient(tdb.url);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});
beforeEach(async () => {
  await db.auditEvent.deleteMany();
  for (let i = 1; i <= 6; i++) {
    await appendAudit(db, {
      actor: { type: "user", id: `u${i}`, name: `User ${i}` },
      action: "decision.record",
      target: { type: "reviewItem", id: `item-${i}` },
      before: null,
      after: { decision: i % 2 ? "approve" : "revoke" },
      context: { bulk: false },
    });
  }
});

describe("audit hash chain", () => {
  it("links every event to the one before and verifies clean", async () => {
    const rows = await db.auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    const report = await verifyChain(db, 4);
    expect(report).toMatchObject({ ok: true, checked: 6, problems: [] });
    expect(report.head).toEqual(await chainHead(db));
  });

  it("names an edited row", async () => {
    await q(`UPDATE "AuditEvent" SET "after" = '{"decision":"approve"}' WHERE "seq" = 4`);
    const r = await verifyChain(db);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([expect.objectContaining({ seq: 4, kind: "edited" })]);
  });

  it("names a deleted row", async () => {
    await q(`DELETE FROM "AuditEvent" WHERE "seq" = 3`);
    const r = await verifyChain(db);
    expect(r.problems[0]).toMatchObject({ seq: 3, kind: "deleted", message: "row 3 was deleted" });
  });

  it("names a row inserted at the end with a forged link", async () => {
    await q(
      `INSERT INTO "AuditEvent" ("seq","at","actorType","actorId","actorName","action","targetType","targetId","before","after","context","prevHash","hash") VALUES (7, '2026-11-22 10:00:00', 'user', 'x', 'X', 'decision.record', 'reviewItem', 'item-9', NULL, '{"decision":"approve"}', NULL, '${"a".repeat(64)}', '${"b".repeat(64)}')`,
    );
    const r = await verifyChain(db);
    expect(r.problems.map((p) => p.seq)).toEqual([7]);
    expect(r.problems[0]!.kind).toBe("edited");
  });

  it("names rows that were swapped", async () => {
    await q(`UPDATE "AuditEvent" SET "seq" = 100 WHERE "seq" = 2`);
    await q(`UPDATE "AuditEvent" SET "seq" = 2 WHERE "seq" = 3`);
    await q(`UPDATE "AuditEvent" SET "seq" = 3 WHERE "seq" = 100`);
    const r = await verifyChain(db);
    expect(r.problems).toEqual([
      expect.objectContaining({ seq: 2, kind: "reordered" }),
      expect.objectContaining({ seq: 3, kind: "reordered" }),
    ]);
  });

  it("serialises concurrent appends into one unbroken chain", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.$transaction((tx) =>
          appendAudit(tx, {
            actor: { type: "system" },
            action: "test.concurrent",
            target: { type: "t", id: String(i) },
          }),
        ),
      ),
    );
    const r = await verifyChain(db);
    expect(r).toMatchObject({ ok: true, checked: 26 });
  });
});
