/**
 * The driver handles behind a client (lib/db/client.ts) must be found by every copy of the module: Next.js bundles
 * lib/db/client.ts more than once, and a copy that did not create the client must still reach its connection
 * (blob writes at a campaign's close went through such a copy and failed with "no SQLite connection").
 */
import { spawn } from "node:child_process";
import { expect, test, vi } from "vitest";
import { sqliteDriverPath } from "./sqlite-driver";
import { sqliteFile } from "./migrate";
import { connectedDatabase } from "@/tests/support/database";
import * as firstCopy from "./client";
import { createClient } from "./client";
import { engineOfUrl } from "./sql";

const db = connectedDatabase();

test("a second copy of the module finds the driver handle of a client the first copy created", async () => {
  const { client, database } = db;
  vi.resetModules();
  const copy = await import("./client");
  expect(copy).not.toBe(firstCopy); // a second evaluation of the module, as in a second Next.js bundle
  const pg = engineOfUrl(database.url) === "postgresql";
  for (const m of [copy, firstCopy]) {
    if (pg) {
      expect(m.pgPoolOf(client)).toBeDefined();
      expect(m.sqliteHandleOf(client)).toBeUndefined();
    } else {
      expect(m.sqliteHandleOf(client)?.open).toBe(true);
      expect(m.pgPoolOf(client)).toBeUndefined();
    }
  }
  // A client that never connected has no handle yet, in any copy.
  const idle = createClient(database.url);
  expect(copy.sqliteHandleOf(idle) ?? copy.pgPoolOf(idle)).toBeUndefined();
  await idle.$disconnect();
});

if (engineOfUrl(process.env.TEST_DATABASE_URL ?? "") !== "postgresql")
  test("SQLite: a transaction that reads, then writes, keeps the write lock from its start; another process's write waits for it", async () => {
    // The scheduler and the app (or two scheduler passes) are two processes on one file. With a deferred BEGIN, a write
    // committed by the other process between this transaction's read and its write made the write fail at once with
    // "database is locked" (a snapshot cannot be upgraded). BEGIN IMMEDIATE takes the lock first; the other waits.
    const { client, database } = db;
    await client.$executeRawUnsafe(`CREATE TABLE "concurrent_writes" ("n" integer)`);
    const script = `const D = require(${JSON.stringify(sqliteDriverPath())}); const d = new D(${JSON.stringify(sqliteFile(database.url))}, { timeout: 10000 }); d.prepare('INSERT INTO "concurrent_writes" ("n") VALUES (2)').run(); d.close();`;
    let other: Promise<number | null> | undefined;
    await client.$transaction(async (tx) => {
      await tx.$queryRawUnsafe(`SELECT COUNT(*) AS "c" FROM "concurrent_writes"`);
      const child = spawn(process.execPath, ["-e", script], { stdio: "inherit" });
      other = new Promise((resolve) => child.on("exit", resolve));
      await new Promise((r) => setTimeout(r, 500)); // the other process tries to write meanwhile
      await tx.$executeRawUnsafe(`INSERT INTO "concurrent_writes" ("n") VALUES (1)`);
    });
    expect(await other).toBe(0);
    const rows = await client.$queryRawUnsafe<{ n: number }[]>(`SELECT "n" FROM "concurrent_writes" ORDER BY "rowid"`);
    // Ours first (it held the lock), then the other process's.
    expect(rows.map((r) => Number(r.n))).toEqual([1, 2]);
  });
