/** The dialect comes from the client itself, inside transactions too, on the engine the suite runs on. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/scripts/lib/test-db";
import { createClient } from "./client";
import { makeCtx } from "./context";
import { bulkInsert, dialectOf, engineOfUrl, select } from "./sql";

let tdb: TestDatabase;
let db: ReturnType<typeof createClient>;
beforeAll(async () => {
  tdb = await createTestDatabase();
  db = createClient(tdb.url);
});
afterAll(async () => {
  await db.$disconnect();
  await tdb.drop();
});

describe("dialectOf", () => {
  it("names the engine of a client and of a transaction on it, as the URL does", async () => {
    const engine = engineOfUrl(tdb.url);
    expect(dialectOf(db).engine).toBe(engine);
    await db.$transaction(async (tx) => {
      expect(dialectOf(tx).engine).toBe(engine);
    });
    expect(makeCtx(db, "t").dialect.engine).toBe(engine);
  });

  it("refuses a client it cannot tell", () => {
    expect(() => dialectOf({} as never)).toThrow(/Cannot tell the database engine/);
  });

  it("its placeholders and literals run on that engine", async () => {
    const d = dialectOf(db);
    const [row] = await select<{ a: number; b: unknown }>(db, `SELECT ${d.p(1)} + 1 AS a, ${d.bool(true)} AS b`, 41);
    expect(Number(row!.a)).toBe(42);
  });
});

describe("bulkInsert", () => {
  it("writes typed rows through one JSON parameter, with constants and ON CONFLICT, on either engine", async () => {
    const at = new Date("2026-11-01T10:00:00.000Z");
    await bulkInsert(
      db,
      "Notification",
      [
        { name: "id", type: "string" },
        { name: "recipientId", type: "string" },
        { name: "kind", type: "string" },
        { name: "subject", type: "string" },
        { name: "body", type: "string" },
        { name: "createdAt", type: "datetime" },
      ],
      [
        ["00000000-0000-4000-8000-000000000001", "u1", "reminder", "one", "b", at],
        ["00000000-0000-4000-8000-000000000002", "u1", "reminder", "two", "b", at],
      ],
      { constants: [{ name: "tenantId", sql: "'tenant-a'" }], chunk: 1 },
    );
    // The same id again: ON CONFLICT keeps the first row (the sync's staging relies on this).
    await bulkInsert(
      db,
      "Notification",
      [
        { name: "id", type: "string" },
        { name: "recipientId", type: "string" },
        { name: "kind", type: "string" },
        { name: "subject", type: "string" },
        { name: "body", type: "string" },
      ],
      [["00000000-0000-4000-8000-000000000001", "u1", "reminder", "changed", "b"]],
      {
        constants: [{ name: "tenantId", sql: "'tenant-a'" }],
        onConflict: "ON CONFLICT DO NOTHING",
      },
    );
    const rows = await db.notification.findMany({ where: { tenantId: "tenant-a" }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.subject, r.createdAt.toISOString()])).toEqual([
      ["one", at.toISOString()],
      ["two", at.toISOString()],
    ]);
  });
});
