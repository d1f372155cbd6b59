/**
 * Staging writes straight through better-sqlite3 (SQLite only): prepared single-row INSERTs inside one
 * transaction per page. Going through Prisma's raw-query path costs ~3× more per row at this volume,
 * and staging is where a full sync writes every row once. The live tables are still written by the
 * apply transaction on the Prisma connection.
 */
import { createRequire } from "node:module";
import path from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { sqliteFile } from "../db/migrate";
import { q, type Row } from "./sql";
import { allColumns, type TableSpec } from "./tables";

export interface StagingWriter {
  write(spec: TableSpec, runId: string, rows: Row[], opts?: { ignoreDuplicates?: boolean }): Promise<void>;
  close(): void;
}

/**
 * better-sqlite3 exactly as Prisma's adapter loads it. Two copies of the SQLite library in one process
 * must never open the same file: closing a file in one copy drops the other's POSIX locks (SQLite's
 * "multiple copies" hazard; we saw SQLITE_IOERR_SHORT_READ before loading it this way).
 */
export function sqliteDriver(): typeof BetterSqlite3 {
  // Resolved from the project root, not import.meta.url: inside Next's server bundle that is not a path.
  const req = createRequire(path.join(process.cwd(), "package.json"));
  const adapter = req.resolve("@prisma/adapter-better-sqlite3");
  return createRequire(adapter)("better-sqlite3") as typeof BetterSqlite3;
}

export function openSqliteWriter(databaseUrl: string): StagingWriter {
  const Database = sqliteDriver();
  const db = new Database(sqliteFile(databaseUrl), { timeout: 30_000 });
  db.pragma("journal_mode = WAL");
  // Staging rows are disposable (a crashed run's are discarded), so no fsync per page; WAL keeps the
  // file consistent either way. A larger page cache keeps the staging indexes' random inserts in memory.
  db.pragma("synchronous = NORMAL");
  db.pragma("cache_size = -65536");
  const statements = new Map<string, BetterSqlite3.Statement>();
  const statement = (spec: TableSpec, ignore: boolean) => {
    const k = `${spec.stage}:${ignore}`;
    let st = statements.get(k);
    if (!st) {
      const cols = ["runId", ...allColumns(spec).map((c) => c.name)];
      const conflict = ignore || spec.columns.length === 0
        ? `ON CONFLICT (${["runId", ...spec.key].map(q).join(", ")}) DO NOTHING`
        : `ON CONFLICT (${["runId", ...spec.key].map(q).join(", ")}) DO UPDATE SET ${spec.columns.map((c) => `${q(c.name)} = excluded.${q(c.name)}`).join(", ")}`;
      st = db.prepare(`INSERT INTO ${q(spec.stage)} (${cols.map(q).join(", ")}) VALUES (${cols.map(() => "?").join(", ")}) ${conflict}`);
      statements.set(k, st);
    }
    return st;
  };
  return {
    async write(spec, runId, rows, opts = {}) {
      if (rows.length === 0) return;
      const st = statement(spec, Boolean(opts.ignoreDuplicates));
      const cols = allColumns(spec);
      const conv = cols.map((c) => {
        if (c.type === "bool") return (v: unknown) => (v === undefined || v === null ? null : v ? 1 : 0);
        if (c.type === "datetime")
          return (v: unknown) => {
            if (v === undefined || v === null) return null;
            const d = v instanceof Date ? v : new Date(String(v));
            // Prisma's SQLite adapter format: ISO with an explicit +00:00 offset.
            return Number.isNaN(d.getTime()) ? null : d.toISOString().replace("Z", "+00:00");
          };
        return (v: unknown) => (v === undefined ? null : v);
      });
      const args: unknown[] = new Array(cols.length + 1);
      args[0] = runId;
      db.transaction(() => {
        for (const r of rows) {
          for (let i = 0; i < cols.length; i++) args[i + 1] = conv[i]!(r[cols[i]!.name]);
          st.run(args);
        }
      }).immediate();
    },
    close() {
      db.close();
    },
  };
}
