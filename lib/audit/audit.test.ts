import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createClient } from "@/lib/db/client";
import { createTestDatabase, type TestDatabase } from "@/scripts/lib/test-db";
import { appendAudit, chainHead } from "./append-audit";
import { GENESIS_HASH } from "./canonical";
import { fieldsOf, verifyChain } from "./verify-chain";
import { withoutAppendOnlyGuard } from "@/tests/support/tamper";
import { verifyEvidenceChain } from "./verify-anchors";
import { listCheckpoints, writeCheckpoint } from "./checkpoint";
import { chainHash } from "./canonical";
import { generateSelfSigned, identityFromP12, type SigningIdentity } from "@/lib/signing/identity";

const identityFrom = (g: { p12: Buffer; passphrase: string }) => identityFromP12(g.p12, g.passphrase);

let tdb: TestDatabase;
let identity: SigningIdentity;
let db: ReturnType<typeof createClient>;
// Tampering on purpose: the database refuses these statements unless its append-only triggers are taken away first.
const q = (sql: string) => withoutAppendOnlyGuard(db, () => db.$executeRawUnsafe(sql));

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = createClient(tdb.url);
  identity = identityFrom(generateSelfSigned("Recert test signing"));
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});
beforeEach(async () => {
  await withoutAppendOnlyGuard(db, async () => {
    await db.auditCheckpoint.deleteMany();
    await db.auditEvent.deleteMany();
  });
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

  it("the database refuses to change or delete an audit event or a checkpoint, on this engine", async () => {
    await writeCheckpoint(db, "test", identity);
    for (const sql of [
      `UPDATE "AuditEvent" SET "actorName" = 'Mallory' WHERE "seq" = 2`,
      `DELETE FROM "AuditEvent" WHERE "seq" = 6`,
      `UPDATE "AuditCheckpoint" SET "seq" = 1`,
      `DELETE FROM "AuditCheckpoint"`,
    ])
      await expect(db.$executeRawUnsafe(sql), sql).rejects.toThrow(/append-only/);
    await expect(db.auditEvent.deleteMany()).rejects.toThrow();
    expect(await db.auditEvent.count()).toBe(6);
    expect((await db.auditEvent.findUniqueOrThrow({ where: { seq: 2 } })).actorName).toBe("User 2");
  });
});

/** An attacker with the database's write rights: the triggers taken away, the tail cut or the chain recomputed. */
describe("audit chain anchors", () => {
  const fp = () => identity.fingerprint;
  const tail = async () => (await db.auditEvent.findMany({ orderBy: { seq: "asc" } })).at(-1)!;

  it("a chain cut short verifies on its own, but not against the checkpoint written before", async () => {
    await writeCheckpoint(db, "scheduler", identity);
    expect((await verifyEvidenceChain(db, { trustedFingerprint: fp() })).ok).toBe(true);
    await q(`DELETE FROM "AuditEvent" WHERE "seq" >= 5`);
    expect((await verifyChain(db)).ok).toBe(true); // the walk alone sees nothing
    const r = await verifyEvidenceChain(db, { trustedFingerprint: fp() });
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      expect.objectContaining({
        seq: 6,
        kind: "truncated",
        message: expect.stringContaining("events 5–6 were removed"),
      }),
    ]);
  });

  it("a consistent rewrite (every later hash recomputed) is found by the checkpoint, and by a head the auditor holds", async () => {
    await writeCheckpoint(db, "campaign.close", identity);
    const held = await tail();
    // Rewrite event 4's decision (revoke → approve), then recompute the hash of 4 and of every later row.
    await withoutAppendOnlyGuard(db, async () => {
      const rows = await db.auditEvent.findMany({ orderBy: { seq: "asc" } });
      let prev = rows[2]!.hash;
      for (const r of rows.slice(3)) {
        const after = r.seq === 4 ? '{"decision":"approve"}' : r.after;
        if (r.seq === 4) expect(r.after).toBe('{"decision":"revoke"}');
        const fields = { ...fieldsOf(r), after: after === null ? null : JSON.parse(after) };
        const hash = chainHash(prev, fields);
        await db.$executeRawUnsafe(
          `UPDATE "AuditEvent" SET "after" = '${after}', "prevHash" = '${prev}', "hash" = '${hash}' WHERE "seq" = ${r.seq}`,
        );
        prev = hash;
      }
    });
    expect((await verifyChain(db)).ok).toBe(true); // consistent: the walk alone is fooled
    const r = await verifyEvidenceChain(db, { trustedFingerprint: fp() });
    expect(r.problems).toEqual([expect.objectContaining({ seq: 6, kind: "rewritten" })]);
    // Without any checkpoint, the head the auditor kept from an earlier export still tells.
    await q(`DELETE FROM "AuditCheckpoint"`);
    const held2 = await verifyEvidenceChain(db, {
      trustedFingerprint: fp(),
      expectedHead: { seq: held.seq, hash: held.hash },
    });
    expect(held2.problems).toEqual([
      expect.objectContaining({ seq: 6, kind: "rewritten", message: expect.stringContaining("The head you hold") }),
    ]);
  });

  it("a checkpoint written without the installation's key is itself a finding, even with a correct signature", async () => {
    const forger = identityFrom(generateSelfSigned("Recert report signing (self-signed)"));
    await writeCheckpoint(db, "scheduler", forger);
    const r = await verifyEvidenceChain(db, { trustedFingerprint: fp() });
    expect(r.problems).toEqual([
      expect.objectContaining({
        kind: "checkpoint",
        message: expect.stringContaining("signed by another certificate"),
      }),
    ]);
    expect((await listCheckpoints(db)).length).toBe(1);
  });
});
