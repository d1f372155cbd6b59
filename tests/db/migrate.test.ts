import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@/lib/db/client";
import { listMigrations, migrate, sqliteFile } from "@/lib/db/migrate";
import { PROVIDERS, schemaFor } from "@/scripts/db-schema";
import { createTestDatabase, type TestDatabase } from "@/scripts/lib/test-db";

describe("schemas and migrations", () => {
  it("each engine's schema is generated from prisma/models.prisma (run `npm run db:schema` after editing it)", () => {
    const models = readFileSync("prisma/models.prisma", "utf8");
    for (const p of PROVIDERS) expect(readFileSync(`prisma/${p}/schema.prisma`, "utf8")).toBe(schemaFor(p, models));
  });

  it("both engines have the same migrations, and the last snapshot matches the schema", () => {
    const names = (p: (typeof PROVIDERS)[number]) => listMigrations(p).map((m) => m.name);
    expect(names("sqlite").length).toBeGreaterThan(0);
    expect(names("postgresql")).toEqual(names("sqlite"));
    for (const p of PROVIDERS) {
      expect(
        readFileSync(`prisma/${p}/migrations/schema.snapshot.prisma`, "utf8"),
        `${p}: run npm run db:new-migration`,
      ).toBe(readFileSync(`prisma/${p}/schema.prisma`, "utf8"));
    }
  });
});

describe(`migrations on ${process.env.TEST_DATABASE_URL?.startsWith("postgres") ? "PostgreSQL" : "SQLite"}`, () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it("applies every migration once and is idempotent", async () => {
    const again = await migrate(tdb.url);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(listMigrations("sqlite").length);
    if (tdb.url.startsWith("file:")) {
      // A new SQLite database gets 16 KiB pages, in WAL mode (lib/db/migrate.ts, #20).
      const sqlite = new Database(sqliteFile(tdb.url));
      try {
        expect(sqlite.pragma("page_size", { simple: true })).toBe(16384);
        expect(sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
      } finally {
        sqlite.close();
      }
    }
  });

  it("yields a working Prisma client through the driver adapter", async () => {
    const client = createClient(tdb.url);
    try {
      await client.appSetting.create({ data: { key: "k", value: "v" } });
      expect(await client.appSetting.findUnique({ where: { key: "k" } })).toMatchObject({ value: "v" });
    } finally {
      await client.$disconnect();
    }
  });
});
