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
import { sqliteDriverPath } from "@/lib/db/sqlite-driver";

/** A table the worker inserts into: its name and its columns in the order of the values sent. */
export interface ItemsTable {
  name: string;
  columns: string[];
}

/** CampaignItem's columns in the order the worker binds them (lib/reviews/freeze.ts ITEM_COLUMNS; checked at open). */
const ITEM_ORDER = [
  "id",
  "campaignId",
  "ordinal",
  "principalId",
  "principalType",
  "principalName",
  "principalUpn",
  "principalKind",
  "resourceType",
  "resourceId",
  "resourceName",
  "accessId",
  "accessDetail",
  "lastSignInAt",
  "recommendation",
  "recommendationReason",
];
const PACKED = 5; // ordinal, person, resource, advice, detail

/** What one write() carries: see ItemsPacker. */
export interface ItemsBatch {
  campaignId: string;
  /** Item ids are this and the ordinal in 12 hex digits (lib/reviews/freeze.ts itemIdFactory). */
  idHead: string;
  /** New dictionary entries: [index, values…] flat (people 6 wide, resources 4, advices 3, details 2). */
  people: unknown[];
  resources: unknown[];
  advices: unknown[];
  details: unknown[];
  /** Plain memberships, PACKED integers each: ordinal and indexes into the dictionaries (its buffer is transferred). */
  members: Int32Array;
  /** Every other item, its 16 values flat (ITEM_ORDER), in ordinal order. */
  general: unknown[];
  /** CampaignItemReviewerOverride and CampaignResourceReviewer rows, flat. */
  overrides: unknown[];
  ranges: unknown[];
}

/**
 * Packs a million plain memberships for the worker: each is five integers, its person's, resource's and
 * recommendation's strings are sent once (the first batch that needs them) and the worker fills the 16 values of the
 * row. Posting 16 values per item to the worker cost this thread about 3 s of a 1.14M-item start (a structured clone
 * of every string), more than the inserts it moved away saved in the first place.
 */
export class ItemsPacker {
  private readonly seenPeople: Uint8Array;
  private readonly resources = new Map<string, number>();
  private readonly advices = new Map<object, number>();
  private readonly details = new Map<string, number>();
  private members = new Int32Array(PACKED * 8_192);
  private n = 0;
  private batch = ItemsPacker.empty();
  constructor(people: number) {
    this.seenPeople = new Uint8Array(people);
  }
  private static empty(): Omit<ItemsBatch, "members" | "campaignId" | "idHead"> {
    return { people: [], resources: [], advices: [], details: [], general: [], overrides: [], ranges: [] };
  }
  /** Items in the batch so far. */
  get size(): number {
    return this.n + this.batch.general.length / ITEM_ORDER.length;
  }
  /** Whether person `ix`'s strings were sent. */
  hasPerson(ix: number): boolean {
    return this.seenPeople[ix] === 1;
  }
  /** A person's strings, once: principalId, principalName, principalUpn, principalKind, lastSignInAt as stored. */
  addPerson(ix: number, values: unknown[]): void {
    this.seenPeople[ix] = 1;
    this.batch.people.push(ix, ...values);
  }
  /** A resource's: resourceType, resourceId, resourceName. */
  resource(key: string, type: string, id: string, name: string | null): number {
    let k = this.resources.get(key);
    if (k === undefined) {
      k = this.resources.size;
      this.resources.set(key, k);
      this.batch.resources.push(k, type, id, name);
    }
    return k;
  }
  /** A recommendation's: recommendation, recommendationReason (one index per object: pass interned ones). */
  advice(a: { recommendation: string; reason: string }): number {
    let k = this.advices.get(a);
    if (k === undefined) {
      k = this.advices.size;
      this.advices.set(a, k);
      this.batch.advices.push(k, a.recommendation, a.reason);
    }
    return k;
  }
  private detail(d: string): number {
    let k = this.details.get(d);
    if (k === undefined) {
      k = this.details.size;
      this.details.set(d, k);
      this.batch.details.push(k, d);
    }
    return k;
  }
  /** A plain membership (accessId = principalId, principalType user). */
  member(ordinal: number, person: number, resource: number, advice: number, detail: string): void {
    if (this.n * PACKED === this.members.length) {
      const grown = new Int32Array(this.members.length * 2);
      grown.set(this.members);
      this.members = grown;
    }
    const at = this.n++ * PACKED;
    const m = this.members;
    m[at] = ordinal;
    m[at + 1] = person;
    m[at + 2] = resource;
    m[at + 3] = advice;
    m[at + 4] = this.detail(detail);
  }
  /** Any other item: its 16 values (ITEM_ORDER). */
  general(values: unknown[]): void {
    for (const v of values) this.batch.general.push(v);
  }
  reviewerRows(overrides: unknown[][], ranges: unknown[][]): void {
    for (const r of overrides) for (const v of r) this.batch.overrides.push(v);
    for (const r of ranges) for (const v of r) this.batch.ranges.push(v);
  }
  /** The batch so far, and a fresh one. */
  take(campaignId: string, idHead: string): ItemsBatch {
    const out = { ...this.batch, campaignId, idHead, members: this.members.slice(0, this.n * PACKED) };
    this.batch = ItemsPacker.empty();
    this.n = 0;
    return out;
  }
}

export interface SqliteItemsWriter {
  /**
   * Takes the write lock and claims the draft: its version goes from `version` to `version + 1` (a second starter, or
   * an edit of the draft, then finds it changed), and rows a crashed earlier start left for this campaign are deleted.
   * False when the campaign is no longer that draft (nothing is kept).
   */
  claim(campaignId: string, version: number): Promise<boolean>;
  /** One batch of items (packed, see ItemsPacker) and reviewer rows. */
  write(batch: ItemsBatch): Promise<void>;
  commit(): Promise<void>;
  /** Rolls back whatever was not committed, and ends the worker. */
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
const insert = (t) => {
  const one = "(" + t.columns.map(() => "?").join(", ") + ")";
  const head = "INSERT INTO " + q(t.name) + " (" + t.columns.map(q).join(", ") + ") VALUES ";
  return {
    width: t.columns.length,
    many: db.prepare(head + Array.from({ length: PER }, () => one).join(", ")),
    one: db.prepare(head + one),
  };
};
const [item, override, range] = workerData.tables.map(insert);
const W = item.width, P = ${PACKED};
const people = [], resources = [], advices = [], details = [];
const keep = (to, flat, width) => { for (let i = 0; i < flat.length; i += width) to[flat[i]] = flat.slice(i + 1, i + width); };
const flatRows = (t, flat) => {
  const step = PER * t.width;
  let i = 0;
  for (; i + step <= flat.length; i += step) t.many.run(flat.slice(i, i + step));
  for (; i < flat.length; i += t.width) t.one.run(flat.slice(i, i + t.width));
};
const bind = new Array(PER * W);
let campaignId = "", idHead = "";
const handlers = {
  claim(m) {
    db.prepare("BEGIN IMMEDIATE").run();
    const claimed = db
      .prepare('UPDATE "Campaign" SET "version" = "version" + 1 WHERE "id" = ? AND "status" = \\'draft\\' AND "version" = ?')
      .run(m.campaignId, m.version).changes === 1;
    if (!claimed) { db.prepare("ROLLBACK").run(); return false; }
    for (const t of workerData.tables.map((t) => t.name))
      db.prepare("DELETE FROM " + q(t) + ' WHERE "campaignId" = ?').run(m.campaignId);
    return true;
  },
  rows(b) {
    // SQLite rolls the whole transaction back on some errors (disk full, I/O, out of memory): the batches after such an
    // error must not go in on their own.
    if (!db.inTransaction) throw new Error("the items' transaction was rolled back by an earlier error");
    campaignId = b.campaignId;
    idHead = b.idHead;
    keep(people, b.people, 6);
    keep(resources, b.resources, 4);
    keep(advices, b.advices, 3);
    keep(details, b.details, 2);
    // Plain memberships and the other items merged in ordinal order, 200 rows per statement.
    const m = b.members, g = b.general;
    let i = 0, j = 0, k = 0;
    const rows = m.length / P + g.length / W;
    for (let r = 0; r < rows; r++) {
      if (j >= g.length || (i < m.length && m[i] < g[j + 2])) {
        const ordinal = m[i], who = people[m[i + 1]], res = resources[m[i + 2]], adv = advices[m[i + 3]];
        bind[k++] = idHead + ordinal.toString(16).padStart(12, "0");
        bind[k++] = campaignId;
        bind[k++] = ordinal;
        bind[k++] = who[0];
        bind[k++] = "user";
        bind[k++] = who[1];
        bind[k++] = who[2];
        bind[k++] = who[3];
        bind[k++] = res[0];
        bind[k++] = res[1];
        bind[k++] = res[2];
        bind[k++] = who[0];
        bind[k++] = details[m[i + 4]][0];
        bind[k++] = who[4];
        bind[k++] = adv[0];
        bind[k++] = adv[1];
        i += P;
      } else {
        for (let c = 0; c < W; c++) bind[k++] = g[j + c];
        j += W;
      }
      if (k === bind.length) { item.many.run(bind); k = 0; }
    }
    for (let a = 0; a < k; a += W) item.one.run(bind.slice(a, a + W));
    flatRows(override, b.overrides);
    flatRows(range, b.ranges);
  },
  commit() {
    if (!db.inTransaction) throw new Error("the items' transaction was rolled back by an earlier error");
    db.prepare("COMMIT").run();
  },
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
  if (o.tables[0]?.columns.join() !== ITEM_ORDER.join())
    throw new Error("campaign items: the writer's column order is not CampaignItem's ITEM_COLUMNS");
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
  const send = (msg: Record<string, unknown>, transfer: ArrayBuffer[] = []) =>
    new Promise<unknown>((resolve, reject) => {
      if (failure) return reject(failure);
      const id = ++seq;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...msg, id }, transfer);
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
    async write(batch) {
      const sent = send({ op: "rows", ...batch }, [batch.members.buffer as ArrayBuffer]);
      // Observed here or by settle(): never an unhandled rejection.
      sent.catch(() => undefined);
      inFlight.push(sent);
      await settle(IN_FLIGHT);
    },
    async commit() {
      await settle(0);
      await send({ op: "commit" });
    },
    async close() {
      await Promise.allSettled(inFlight.splice(0));
      if (!failure) await send({ op: "close" }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
