/** The dialect comes from the client itself, inside transactions too, on the engine the suite runs on. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/scripts/lib/test-db";
import { createClient } from "./client";
import { makeCtx } from "./context";
import { bulkInsert, dialectOf, engineOfUrl, idRows, inIds, parameters, select } from "./sql";

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

describe("id lists as one parameter", () => {
  const odd = ["a", "it's", 'say "hi"', "back\\slash", "comma,list", "{brace}", "NULL", "ünï", "😀"];

  it("inIds matches exactly the listed ids, odd characters included, and nothing for an empty list", async () => {
    const d = dialectOf(db);
    const rows = (list: string[]) => {
      const { values, p } = parameters(d);
      // The candidates are a list too; only those also in `list` come back (sorted here: collations differ).
      return select<{ v: string }>(
        db,
        `SELECT c.v FROM (${idRows(d, p, [...odd, "absent"])}) c WHERE ${inIds(d, p, "c.v", list)}`,
        ...values,
      ).then((r) => r.map((x) => x.v).sort());
    };
    expect(await rows(odd)).toEqual([...odd].sort());
    expect(await rows(["it's", "nope"])).toEqual(["it's"]);
    expect(await rows([])).toEqual([]);
  });

  it("idRows gives one row per element, duplicates kept, as a FROM clause after other placeholders", async () => {
    const d = dialectOf(db);
    const { values, p } = parameters(d);
    const [row] = await select<{ n: unknown; first: string }>(
      db,
      `SELECT COUNT(*) AS n, MIN(r.v) AS first FROM (${idRows(d, p, ["x", "x", "y"])}) r WHERE r.v <> ${p("z")}`,
      ...values,
    );
    expect(Number(row!.n)).toBe(3);
    expect(row!.first).toBe("x");
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
