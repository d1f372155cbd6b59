/**
 * SQLite only: a campaign start's items, and their reviewer rows, inserted on a worker thread through its own
 * connection, while the main thread computes the next ones (#20). On one thread a 1.14M-item start spent 8–10 s in the
 * inserts and 11–12 s computing the items, one after the other (26–31 s against the 22.7 s target). SQLite has one
 * writer at a time, so the worker's connection takes the write lock for the freeze (BEGIN IMMEDIATE), claims the draft
 * and writes the items in its own transaction; the main connection only reads meanwhile (WAL), and nothing else can
 * commit, so those reads see one state. The items commit before the campaign becomes active, in a second transaction
 * on the main connection (lib/reviews/lifecycle.ts, startCampaign says how a failure between the two is undone).
 *
 * Plain CommonJS run by the worker (eval), like lib/sync/sqlite-writer.ts, so it needs no TypeScript loader inside
 * Next's server bundle; the same better-sqlite3 build as Prisma's adapter (two copies of SQLite in one process must
 * never open the same file).
 */
import { Worker } from "node:worker_threads";
import { sqliteDriverPath } from "@/lib/sync/sqlite-writer";

/** A table the worker inserts into: its name and its columns in the order of the values sent. */
export interface ItemsTable {
  name: string;
  columns: string[];
}

export interface SqliteItemsWriter {
  /**
   * Takes the write lock and claims the draft: its version goes from `version` to `version + 1` (a second starter, or
   * an edit of the draft, then finds it changed), and rows a crashed earlier start left for this campaign are deleted.
   * False when the campaign is no longer that draft (nothing is kept).
   */
  claim(campaignId: string, version: number): Promise<boolean>;
  /** Rows for each table, flat (the table's width of values per row), in the order the tables were given. */
  write(rows: unknown[][]): Promise<void>;
  commit(): Promise<void>;
  /** Undoes everything since the claim (safe to call when nothing is open). */
  rollback(): Promise<void>;
  close(): Promise<void>;
}

// Rows per INSERT statement: one call into SQLite per 200 rows (lib/reviews/freeze.ts measured it on one thread).
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: workerData.timeout });
db.pragma("synchronous = " + workerData.synchronous);
// The page cache the start used on the main connection: items and index entries are appended in key order, so what
// spills to the WAL before the commit is finished pages.
db.pragma("cache_size = -131072");
const PER = 200;
const q = (s) => '"' + s + '"';
const tables = workerData.tables.map((t) => {
  const one = "(" + t.columns.map(() => "?").join(", ") + ")";
  const head = "INSERT INTO " + q(t.name) + " (" + t.columns.map(q).join(", ") + ") VALUES ";
  return {
    width: t.columns.length,
    many: db.prepare(head + Array.from({ length: PER }, () => one).join(", ")),
    one: db.prepare(head + one),
  };
});
const handlers = {
  claim(m) {
    db.prepare("BEGIN IMMEDIATE").run();
    const claimed = db
      .prepare('UPDATE "Campaign" SET "version" = "version" + 1 WHERE "id" = ? AND "status" = \\'draft\\' AND "version" = ?')
      .run(m.campaignId, m.version).changes === 1;
    if (!claimed) { db.prepare("ROLLBACK").run(); return false; }
    for (const t of ["CampaignItem", "CampaignItemReviewerOverride", "CampaignResourceReviewer"])
      db.prepare("DELETE FROM " + q(t) + ' WHERE "campaignId" = ?').run(m.campaignId);
    return true;
  },
  rows(m) {
    m.rows.forEach((flat, k) => {
      const t = tables[k];
      const step = PER * t.width;
      let i = 0;
      for (; i + step <= flat.length; i += step) t.many.run(flat.slice(i, i + step));
      for (; i < flat.length; i += t.width) t.one.run(flat.slice(i, i + t.width));
    });
  },
  commit() { db.prepare("COMMIT").run(); },
  rollback() { if (db.inTransaction) db.prepare("ROLLBACK").run(); },
  close() { if (db.inTransaction) db.prepare("ROLLBACK").run(); db.close(); },
};
parentPort.on("message", (m) => {
  try {
    parentPort.postMessage({ id: m.id, ok: true, value: handlers[m.op](m) });
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, error: String((e && e.message) || e), code: e && e.code });
  }
});
`;

/** Batches of rows on their way to the worker before write() waits for it (memory stays bounded). */
const IN_FLIGHT = 4;

export function openSqliteItemsWriter(o: {
  file: string;
  tables: ItemsTable[];
  /** The main connection's busy timeout and synchronous level, so both connections behave alike. */
  timeoutMs: number;
  synchronous: number;
}): SqliteItemsWriter {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      driver: sqliteDriverPath(),
      file: o.file,
      tables: o.tables,
      timeout: o.timeoutMs,
      synchronous: o.synchronous,
    },
  });
  worker.unref();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let failure: Error | undefined;
  worker.on("message", (m: { id: number; ok: boolean; value?: unknown; error?: string; code?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.value);
    else p?.reject(Object.assign(new Error(`campaign items: ${m.error}`), { code: m.code }));
  });
  const fail = (e: Error) => {
    failure ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`the campaign items' writer exited (code ${code})`)));
  const send = (msg: Record<string, unknown>) =>
    new Promise<unknown>((resolve, reject) => {
      if (failure) return reject(failure);
      const id = ++seq;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...msg, id });
    });
  // Writes not yet confirmed: the first failure among them is thrown by the next call.
  const inFlight: Promise<unknown>[] = [];
  const settle = async (keep: number) => {
    while (inFlight.length > keep) await inFlight.shift();
  };
  return {
    async claim(campaignId, version) {
      return (await send({ op: "claim", campaignId, version })) === true;
    },
    async write(rows) {
      if (rows.every((r) => r.length === 0)) return;
      const sent = send({ op: "rows", rows });
      // Observed here or by settle(): never an unhandled rejection.
      sent.catch(() => undefined);
      inFlight.push(sent);
      await settle(IN_FLIGHT);
    },
    async commit() {
      await settle(0);
      await send({ op: "commit" });
    },
    async rollback() {
      await Promise.allSettled(inFlight.splice(0));
      if (!failure) await send({ op: "rollback" });
    },
    async close() {
      await Promise.allSettled(inFlight.splice(0));
      if (!failure) await send({ op: "close" }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
