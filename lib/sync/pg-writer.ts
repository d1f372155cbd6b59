/**
 * Staging writes on PostgreSQL (#20): `COPY … FROM STDIN` on a connection of its own, the counterpart of
 * sqlite-writer.ts. Through Prisma's adapter every page became one statement with 20,000 × columns parameters, built
 * and sent on the main thread, and the fetchers waited behind it: a 100k-user full sync spent 23 s fetching where
 * fetching alone takes 8 s. Here a page is encoded as COPY text (cheap), and the server parses and stores it in its
 * own process while the next pages are fetched.
 *
 * A page normally goes straight into its staging table. The staging key is unique per run, and a page may repeat a
 * key an earlier page already staged (a delta replays an object; a group's members come again): COPY then fails on
 * the key as a whole (nothing of it is kept, it runs outside any transaction), and the page goes through a temporary
 * table and `INSERT … ON CONFLICT` instead, with the same rule as stageRows: later rows win, or the first stays with
 * `ignoreDuplicates`. The connection is closed at the end (its temporary tables with it).
 */
import { copyIn } from "@/lib/db/pg-direct";
import { pgPoolOf } from "@/lib/db/client";
import { q } from "@/lib/db/sql";
import { dedupe, runIdLiteral, type Row } from "./sql";
import type { StagingWriter } from "./sqlite-writer";
import { allColumns, type TableSpec } from "./tables";

const UNIQUE_VIOLATION = "23505";

/** A writer on a connection checked out of `db`'s pool for the run; undefined when `db` is not PostgreSQL. */
export async function openPgWriter(db: object): Promise<StagingWriter | undefined> {
  const pool = pgPoolOf(db);
  if (!pool) return undefined;
  const conn = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client has no error listener of the pool's: a connection the server ends (restart,
  // pg_terminate_backend) would emit an unhandled 'error' and bring the process down. It fails the writer instead;
  // the write in flight rejects on its own.
  const onError = (e: Error) => {
    broken ??= e;
  };
  conn.on("error", onError);
  // Named, so an operator sees the staging session in pg_stat_activity (it is closed, not pooled, at the end).
  await conn.query("SET application_name = 'recert sync staging'");
  const temps = new Set<string>();
  // One write at a time on the connection, in the order they were asked for (later pages win over earlier ones).
  let queue: Promise<unknown> = Promise.resolve();

  const viaTemp = async (spec: TableSpec, runId: string, rows: Row[], ignore: boolean) => {
    const cols = allColumns(spec);
    const temp = `recert_${spec.stage}`;
    if (!temps.has(temp)) {
      // Session-local, no indexes, no WAL: a landing place for one page.
      await conn.query(`CREATE TEMP TABLE IF NOT EXISTS ${q(temp)} (LIKE ${q(spec.stage)} INCLUDING DEFAULTS)`);
      temps.add(temp);
    }
    await conn.query(`TRUNCATE ${q(temp)}`);
    await copyIn(conn, temp, [{ name: "runId", type: "string" }, ...cols], flat(runId, cols, rows));
    const key = ["runId", ...spec.key].map(q).join(", ");
    const names = ["runId", ...cols.map((c) => c.name)].map(q).join(", ");
    const onConflict =
      ignore || spec.columns.length === 0
        ? "DO NOTHING"
        : `DO UPDATE SET ${spec.columns.map((c) => `${q(c.name)} = excluded.${q(c.name)}`).join(", ")}`;
    await conn.query(
      `INSERT INTO ${q(spec.stage)} (${names}) SELECT ${names} FROM ${q(temp)} WHERE "runId" = ${runIdLiteral(runId)} ON CONFLICT (${key}) ${onConflict}`,
    );
  };

  const write = async (spec: TableSpec, runId: string, rows: Row[], ignore: boolean) => {
    const cols = allColumns(spec);
    // Within one page the last row of a key wins (or the first, with ignoreDuplicates), as in stageRows.
    const unique = dedupe(rows, spec.key);
    try {
      await copyIn(conn, spec.stage, [{ name: "runId", type: "string" }, ...cols], flat(runId, cols, unique));
    } catch (e) {
      if ((e as { code?: string }).code !== UNIQUE_VIOLATION) throw e;
      await viaTemp(spec, runId, unique, ignore);
    }
  };

  return {
    write(spec, runId, rows, opts = {}) {
      if (rows.length === 0) return Promise.resolve();
      runIdLiteral(runId);
      const next = queue.then(() => {
        if (broken) throw broken;
        return write(spec, runId, rows, Boolean(opts.ignoreDuplicates));
      });
      queue = next.catch((e: Error) => {
        broken ??= e;
      });
      return next;
    },
    async close() {
      await queue;
      // Not back into the pool: the session's temporary tables go with it, and after a failed COPY it may be in any state.
      conn.release(true);
    },
  };
}

function flat(runId: string, cols: ReturnType<typeof allColumns>, rows: Row[]): unknown[] {
  const width = cols.length + 1;
  const values: unknown[] = new Array(rows.length * width);
  let k = 0;
  for (const r of rows) {
    values[k++] = runId;
    for (const c of cols) {
      const v = r[c.name];
      values[k++] = v === undefined ? null : v;
    }
  }
  return values;
}
