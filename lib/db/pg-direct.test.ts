/**
 * PostgreSQL's COPY paths on a transaction's own connection (lib/db/pg-direct.ts): rows written and read back through
 * COPY with every character the text format escapes, inside the transaction; a COPY abandoned mid-way leaves the
 * connection able to roll back (a COPY left open would hang it). On SQLite: the paths refuse a SQLite client.
 */
import { expect, test } from "vitest";
import { connectedDatabase } from "@/tests/support/database";
import { CopyStream, copyIn, copyOut, literal, PgDirectError, pgTransactionConnection } from "./pg-direct";
import { engineOfUrl, type BulkColumn } from "./sql";

const db = connectedDatabase();

const COLUMNS: BulkColumn[] = [
  { name: "s", type: "string" },
  { name: "n", type: "int" },
  { name: "at", type: "datetime" },
  { name: "ok", type: "bool" },
];

if (engineOfUrl(process.env.TEST_DATABASE_URL ?? "") !== "postgresql") {
  test("the COPY paths refuse a SQLite client", async () => {
    const { client } = db;
    await expect(client.$transaction((tx) => pgTransactionConnection(tx, client))).rejects.toThrow(PgDirectError);
  });
} else {
  test("rows go in and come out through COPY inside the transaction, every escaped character intact", async () => {
    const { client } = db;
    const hostile = 'tab\there, line\nbreak, cr\rreturn, back\\slash, \\N, quote"';
    const at = new Date("2026-11-26T10:11:12.345Z");
    const back = await client.$transaction(async (tx) => {
      const conn = await pgTransactionConnection(tx, client);
      await tx.$executeRawUnsafe(`CREATE TEMP TABLE "copy_test" (s text, n integer, at timestamp(3), ok boolean)`);
      expect(await copyIn(conn, "copy_test", COLUMNS, [hostile, 7, at, true, null, 8, null, false])).toBe(2);
      // The transaction's own statements see the copied rows (same connection, same transaction).
      expect(await tx.$queryRawUnsafe<{ n: bigint }[]>(`SELECT COUNT(*) AS n FROM "copy_test"`)).toEqual([{ n: 2n }]);
      const rows: (string | null)[][] = [];
      await copyOut(
        conn,
        `SELECT s, n, to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS.MS'), ok FROM "copy_test" WHERE n >= ${literal(conn, "7")}::int ORDER BY n`,
        (r) => rows.push(r),
      );
      return rows;
    });
    expect(back).toEqual([
      [hostile, "7", "2026-11-26T10:11:12.345", "t"],
      [null, "8", null, "f"],
    ]);
  });

  test("a COPY abandoned mid-way ends in an error, and the transaction rolls back instead of hanging", async () => {
    const { client } = db;
    await client.$executeRawUnsafe(
      `CREATE TABLE IF NOT EXISTS "copy_abort" (s text, n integer, at timestamp(3), ok boolean)`,
    );
    const started = Date.now();
    await expect(
      client.$transaction(async (tx) => {
        const conn = await pgTransactionConnection(tx, client);
        const copy = CopyStream.open(conn, "copy_abort", COLUMNS);
        await copy.write(["a", 1, null, true, "b", 2, null, false]);
        copy.abort("the caller failed");
        throw new Error("the caller failed");
      }),
    ).rejects.toThrow("the caller failed");
    expect(Date.now() - started).toBeLessThan(5_000);
    // Nothing of it was kept, and the pool still answers.
    expect(await client.$queryRawUnsafe<{ n: bigint }[]>(`SELECT COUNT(*) AS n FROM "copy_abort"`)).toEqual([
      { n: 0n },
    ]);
  });
}
