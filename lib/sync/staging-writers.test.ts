/**
 * The engine's fast staging writer (SQLite: better-sqlite3 on a worker; PostgreSQL: COPY on its own connection) stages
 * exactly what the plain path (stageRows through Prisma) stages, page after page: a key repeated by a later page takes
 * the later row, or keeps the first with ignoreDuplicates; a key repeated within a page takes its last row; awkward
 * text survives. On PostgreSQL the staging tables are UNLOGGED.
 */
import { randomUUID } from "node:crypto";
import { expect, test } from "vitest";
import { engineOfUrl, q, select, type SqlRunner } from "@/lib/db/sql";
import { connectedDatabase } from "@/tests/support/database";
import { openPgWriter } from "./pg-writer";
import { openSqliteWriter, type StagingWriter } from "./sqlite-writer";
import { stageRows, type Row } from "./sql";
import { MEMBER, STAGE_TABLES, USER, type TableSpec } from "./tables";

const db = connectedDatabase();
const postgres = engineOfUrl(process.env.TEST_DATABASE_URL ?? "") === "postgresql";

const user = (id: string, displayName: string, accountEnabled = true): Row => ({
  id,
  displayName,
  accountEnabled,
  onPremisesSyncEnabled: false,
  createdAt: "2026-01-02T03:04:05Z",
});
const member = (groupId: string, memberId: string, memberType: string): Row => ({ groupId, memberId, memberType });

const PAGES: [TableSpec, Row[], { ignoreDuplicates?: boolean }][] = [
  [USER, [user("u1", "first"), user("u2", 'tab\there, line\nbreak, back\\slash, "quote"')], {}],
  // u1 again on a later page (a delta replaying an object): the later row wins.
  [USER, [user("u3", "three"), user("u1", "first, changed", false)], {}],
  // A key twice within a page: its last row.
  [USER, [user("u4", "four"), user("u4", "four, last")], {}],
  [MEMBER, [member("g1", "u1", "user"), member("g1", "u2", "user")], { ignoreDuplicates: true }],
  // A member again on a later page with ignoreDuplicates: the first row stays.
  [MEMBER, [member("g1", "u2", "group"), member("g1", "u3", "user")], { ignoreDuplicates: true }],
];

async function staged(runner: SqlRunner, spec: TableSpec, runId: string) {
  const cols = [...spec.key, ...spec.columns.map((c) => c.name)];
  const rows = await select<Record<string, unknown>>(
    runner,
    `SELECT ${cols.map(q).join(", ")} FROM ${q(spec.stage)} WHERE "runId" = '${runId}' ORDER BY ${spec.key.map(q).join(", ")}`,
  );
  // Booleans and timestamps come back per engine's driver: compare them as the same plain values.
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        v instanceof Date ? v.toISOString() : typeof v === "bigint" || typeof v === "boolean" ? Number(v) : v,
      ]),
    ),
  );
}

test(`the ${postgres ? "COPY" : "worker"} staging writer stages what stageRows stages, page after page`, async () => {
  const { client, database } = db;
  const runner = client as unknown as SqlRunner;
  const writer: StagingWriter | undefined = postgres ? await openPgWriter(client) : openSqliteWriter(database.url);
  expect(writer).toBeDefined();
  const fast = randomUUID();
  const plain = randomUUID();
  try {
    for (const [spec, rows, o] of PAGES) {
      await writer!.write(spec, fast, rows, o);
      await stageRows(runner, spec, plain, rows, o);
    }
  } finally {
    await writer!.close();
  }
  for (const spec of [USER, MEMBER]) {
    const expected = await staged(runner, spec, plain);
    expect(await staged(runner, spec, fast)).toEqual(expected);
  }
  const users = await staged(runner, USER, fast);
  expect(users.map((u) => [u.id, u.displayName, u.accountEnabled])).toEqual([
    ["u1", "first, changed", 0],
    ["u2", 'tab\there, line\nbreak, back\\slash, "quote"', 1],
    ["u3", "three", 1],
    ["u4", "four, last", 1],
  ]);
  expect((await staged(runner, MEMBER, fast)).map((m) => m.memberType)).toEqual(["user", "user", "user"]);
});

if (postgres) {
  test("PostgreSQL's staging tables are UNLOGGED (disposable rows skip the write-ahead log)", async () => {
    const rows = await select<{ relname: string; relpersistence: string }>(
      db.client as unknown as SqlRunner,
      `SELECT relname::text AS relname, relpersistence::text AS relpersistence FROM pg_class WHERE relname LIKE 'SyncStage%' AND relkind = 'r' ORDER BY relname`,
    );
    expect(rows.map((r) => r.relname).sort()).toEqual(STAGE_TABLES.map((t) => t.stage).sort());
    expect(rows.filter((r) => r.relpersistence !== "u")).toEqual([]);
  });

  test("a failed write surfaces, and the writer refuses later writes instead of staging a partial run", async () => {
    const writer = (await openPgWriter(db.client))!;
    const runId = randomUUID();
    // accountEnabled is NOT NULL: the page fails on the server.
    await expect(writer.write(USER, runId, [{ id: "bad", displayName: "x" }])).rejects.toThrow(/accountEnabled/);
    await expect(writer.write(USER, runId, [user("ok", "fine")])).rejects.toThrow(/accountEnabled/);
    await writer.close();
  });

  test("the server ending the writer's connection (restart, pg_terminate_backend) fails the run, never the process", async () => {
    const writer = (await openPgWriter(db.client))!;
    const runId = randomUUID();
    await writer.write(USER, runId, [user("u1", "one")]);
    const runner = db.client as unknown as SqlRunner;
    const ended = await select<{ ok: boolean }>(
      runner,
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'recert sync staging' AND datname = current_database()`,
    );
    expect(ended).toHaveLength(1);
    // The connection is idle while the server ends it (the sync is fetching the next page): wait until it is gone.
    for (let i = 0; i < 100; i++) {
      const left = await select<{ n: number }>(
        runner,
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'recert sync staging'`,
      );
      if (left[0]?.n === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 100));
    // Without an error listener on the checked-out client, the connection's end is an uncaught exception, which
    // Vitest reports as an error of the run (it failed CI that way).
    await expect(writer.write(USER, runId, [user("u2", "two")])).rejects.toThrow(/terminat/i);
    await writer.close();
  });
} else {
  test("the COPY writer is PostgreSQL's only", async () => {
    expect(await openPgWriter(db.client)).toBeUndefined();
  });
}
