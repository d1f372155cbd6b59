/**
 * Staging writes straight through better-sqlite3 (SQLite only), on a worker thread: prepared
 * single-row INSERTs inside one transaction per page. Prisma's raw-query path costs ~3× more per row,
 * and on the main thread the inserts would stall the fetchers; on a worker they overlap with the HTTP
 * traffic. The live tables are still written by the apply transaction on the Prisma connection.
 */
import { Worker } from "node:worker_threads";
import { sqliteFile } from "../db/migrate";
import { sqliteDriverPath } from "../db/sqlite-driver";
import { q } from "@/lib/db/sql";
import type { Row } from "./sql";
import { allColumns, type TableSpec } from "./tables";

export interface StagingWriter {
  write(spec: TableSpec, runId: string, rows: Row[], opts?: { ignoreDuplicates?: boolean }): Promise<void>;
  close(): Promise<void>;
}

// Plain CommonJS run by the worker (eval), so it needs no TypeScript loader.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 30000 });
db.pragma("journal_mode = WAL");
// Staging rows are disposable (a crashed run's are discarded): no fsync per page. WAL keeps the file
// consistent either way; a larger cache keeps the staging indexes' random inserts in memory.
db.pragma("synchronous = NORMAL");
db.pragma("cache_size = -65536");
const statements = new Map();
parentPort.on("message", (m) => {
  if (m.close) { db.close(); parentPort.postMessage({ id: m.id, ok: true }); return; }
  try {
    let st = statements.get(m.sql);
    if (!st) { st = db.prepare(m.sql); statements.set(m.sql, st); }
    const w = m.width, v = m.values;
    db.transaction(() => { for (let i = 0; i < v.length; i += w) st.run(v.slice(i, i + w)); }).immediate();
    parentPort.postMessage({ id: m.id, ok: true });
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, error: String((e && e.message) || e) });
  }
});
`;

export function openSqliteWriter(databaseUrl: string): StagingWriter {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { driver: sqliteDriverPath(), file: sqliteFile(databaseUrl) },
  });
  worker.unref();
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let seq = 0;
  let failure: Error | undefined;
  worker.on("message", (m: { id: number; ok: boolean; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve();
    else p?.reject(new Error(`staging write failed: ${m.error}`));
  });
  const fail = (e: Error) => {
    failure = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on("error", fail);
  worker.on("exit", (code) => code !== 0 && fail(new Error(`staging writer exited with code ${code}`)));
  const send = (msg: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      const id = ++seq;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...msg, id });
    });

  const sqlFor = new Map<string, string>();
  const statement = (spec: TableSpec, ignore: boolean) => {
    const k = `${spec.stage}:${ignore}`;
    let sql = sqlFor.get(k);
    if (!sql) {
      const cols = ["runId", ...allColumns(spec).map((c) => c.name)];
      const conflict =
        ignore || spec.columns.length === 0
          ? `ON CONFLICT (${["runId", ...spec.key].map(q).join(", ")}) DO NOTHING`
          : `ON CONFLICT (${["runId", ...spec.key].map(q).join(", ")}) DO UPDATE SET ${spec.columns.map((c) => `${q(c.name)} = excluded.${q(c.name)}`).join(", ")}`;
      sql = `INSERT INTO ${q(spec.stage)} (${cols.map(q).join(", ")}) VALUES (${cols.map(() => "?").join(", ")}) ${conflict}`;
      sqlFor.set(k, sql);
    }
    return sql;
  };

  return {
    async write(spec, runId, rows, opts = {}) {
      if (rows.length === 0) return;
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
      // One flat array of primitives: the cheapest thing to hand to another thread.
      const width = cols.length + 1;
      const values: unknown[] = new Array(rows.length * width);
      let k = 0;
      for (const r of rows) {
        values[k++] = runId;
        for (let i = 0; i < cols.length; i++) values[k++] = conv[i]!(r[cols[i]!.name]);
      }
      await send({ sql: statement(spec, Boolean(opts.ignoreDuplicates)), width, values });
    },
    async close() {
      if (!failure) await send({ close: true }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
