/**
 * PostgreSQL's bulk paths under Prisma (#20). Prisma's pg adapter sends every statement as one parameterised query and
 * turns every row into an object: a million campaign items took 72 s to start and 2 GB of memory that way. Here work of
 * that size goes straight to the `pg` connection an interactive transaction runs on, so it stays in that transaction:
 *
 * - `COPY … FROM STDIN` (text format) for writes: the server parses rows from one stream, with no statement per batch;
 * - `COPY (SELECT …) TO STDOUT` for reads of a million rows: streamed and split here, one array per row, never all at
 *   once in memory;
 * - plain queries on that connection for the rest, with timestamps read as UTC as Prisma writes them.
 *
 * SQLite's counterpart is its own handle (`sqliteHandleOf`); lib/reviews/freeze.ts picks the path per engine.
 */
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { pgClientsOf } from "./client";
import type { BulkColumn, SqlRunner } from "./sql";

export class PgDirectError extends Error {
  override readonly name = "PgDirectError";
}

/**
 * The pg connection an interactive transaction of `client` runs on. Prisma's adapter checks a connection out of its
 * pool for each transaction (`pool.connect()` then BEGIN) and keeps it to itself; the transaction's backend process id
 * names it among the pool's connections. Statements sent on it belong to the transaction: use it only inside that
 * transaction's callback, between the transaction's own statements, never concurrently with them.
 */
export async function pgTransactionConnection(tx: SqlRunner, client: object): Promise<pg.PoolClient> {
  const clients = pgClientsOf(client);
  if (!clients) throw new PgDirectError("Not a PostgreSQL client: COPY paths are PostgreSQL's only.");
  const [row] = await tx.$queryRawUnsafe<{ pid: number }[]>("SELECT pg_backend_pid() AS pid");
  const pid = Number(row?.pid);
  const conn = [...clients].find((c) => (c as { processID?: number }).processID === pid);
  if (!conn) throw new PgDirectError(`No pool connection has backend ${pid}: call inside the client's transaction.`);
  return conn as pg.PoolClient;
}

/**
 * `timestamp(3)` (Prisma's DateTime) holds UTC without a zone; pg would read it as local time. Read it as UTC, as the
 * Prisma adapter does; every other type keeps pg's parser.
 */
const TIMESTAMP_OID = 1114;
const utcTimestamp = (s: string) => new Date(`${s.replace(" ", "T")}Z`);

/** Rows of a query on the connection, as objects keyed by column. */
export async function pgRows<T>(conn: pg.ClientBase, sql: string, values: unknown[] = []): Promise<T[]> {
  const r = await conn.query({
    text: sql,
    values,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === TIMESTAMP_OID ? utcTimestamp : conn.getTypeParser(oid, format as "text")) as never,
    },
  });
  return r.rows as T[];
}

/** COPY's text format: backslash escapes for the four characters that would end a field or a row; \N is NULL. */
export function copyField(v: unknown, type: BulkColumn["type"]): string {
  if (v === null || v === undefined) return "\\N";
  if (type === "bool") return v ? "t" : "f";
  if (type === "datetime") {
    // An ISO string with Z: into `timestamp` (no zone) PostgreSQL ignores the zone and keeps the UTC wall time. A
    // string is taken as such a timestamp already (callers that write many rows convert once per value, not per row).
    if (typeof v === "string" && ISO.test(v)) return v;
    const d = v instanceof Date ? v : new Date(String(v));
    return Number.isNaN(d.getTime()) ? "\\N" : d.toISOString();
  }
  if (type === "int") return String(Math.trunc(Number(v)));
  const s = typeof v === "string" ? v : v instanceof Date ? v.toISOString() : String(v);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: COPY's text format escapes these control characters
  return /[\\\t\n\r\u0000]/.test(s) ? s.replace(/\u0000/g, "").replace(/[\\\t\n\r]/g, escapeChar) : s;
}
/** One row (`columns.length` values from `values[start]`) in COPY's text format, with its newline. */
export function copyRow(values: unknown[], columns: BulkColumn[], start = 0): string {
  let row = "";
  const last = columns.length - 1;
  for (let c = 0; c <= last; c++) row += copyField(values[start + c], columns[c]!.type) + (c === last ? "\n" : "\t");
  return row;
}
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const escapeChar = (c: string) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r");

/**
 * An open `COPY table (columns) FROM STDIN`: rows are encoded and sent as they come, so the server stores one batch
 * while the caller computes the next (on another core). `write` waits only when the socket is full. The connection can
 * run nothing else until `end`.
 */
export class CopyStream {
  private readonly width: number;
  private readonly done: Promise<void>;
  private failure: Error | undefined;
  rows = 0;

  private constructor(
    private readonly stream: ReturnType<typeof copyFrom>,
    private readonly table: string,
    private readonly columns: BulkColumn[],
  ) {
    this.width = columns.length;
    this.done = new Promise<void>((resolve, reject) => {
      stream.on("finish", resolve);
      stream.on("error", (e: Error) => {
        this.failure = e;
        reject(e);
      });
    });
    this.done.catch(() => undefined); // surfaced by write or end
  }

  static open(conn: pg.ClientBase, table: string, columns: BulkColumn[]): CopyStream {
    const names = columns.map((c) => `"${c.name}"`).join(", ");
    return new CopyStream(conn.query(copyFrom(`COPY "${table}" (${names}) FROM STDIN`)), table, columns);
  }

  /** `values` is flat: `columns.length` values per row, in column order (no array per row). */
  async write(values: unknown[]): Promise<void> {
    if (this.failure) throw this.failure;
    const { width, columns } = this;
    if (values.length % width !== 0) throw new PgDirectError(`COPY ${this.table}: values are not whole rows`);
    let chunk = "";
    for (let i = 0; i < values.length; i += width) {
      chunk += copyRow(values, columns, i);
      if (chunk.length >= 1 << 20) {
        await this.send(chunk);
        chunk = "";
      }
    }
    if (chunk) await this.send(chunk);
    this.rows += values.length / width;
  }

  /**
   * Rows already in COPY's text format (`rows` of them, each ending in a newline, every field through `copyField` or
   * known to need no escape): for a caller that builds a million rows from fragments it encoded once each.
   */
  async writeText(text: string | Buffer, rows: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (text.length) await this.send(text);
    this.rows += rows;
  }

  private async send(text: string | Buffer): Promise<void> {
    if (!this.stream.write(text))
      await Promise.race([new Promise<void>((resolve) => this.stream.once("drain", resolve)), this.done]);
    if (this.failure) throw this.failure;
  }

  /**
   * Abandons the COPY (CopyFail to the server) when the caller fails between rows: the statement ends in an error and
   * its transaction can be rolled back. A COPY left open would keep the connection busy, and the rollback queued
   * behind it would never run.
   */
  abort(reason: string): void {
    if (!this.stream.destroyed) this.stream.destroy(new PgDirectError(reason));
  }

  /** Ends the COPY; resolves once the server has taken every row. Returns the rows written. */
  async end(): Promise<number> {
    this.stream.end();
    await this.done;
    return this.rows;
  }
}

/** Writes rows (flat, see CopyStream.write) with one COPY; returns the rows written. */
export async function copyIn(
  conn: pg.ClientBase,
  table: string,
  columns: BulkColumn[],
  values: unknown[],
): Promise<number> {
  if (values.length === 0) return 0;
  const copy = CopyStream.open(conn, table, columns);
  try {
    await copy.write(values);
  } finally {
    await copy.end();
  }
  return copy.rows;
}

/** Rows given as arrays (one per row), for callers that have them that way. */
export async function copyInRows(
  conn: pg.ClientBase,
  table: string,
  columns: BulkColumn[],
  rows: unknown[][],
): Promise<number> {
  const flat: unknown[] = [];
  for (const r of rows) for (const v of r) flat.push(v);
  return copyIn(conn, table, columns, flat);
}

/** One field of COPY's text output: \N is null, backslash escapes undone. */
function unescapeField(s: string): string | null {
  if (s === "\\N") return null;
  if (!s.includes("\\")) return s;
  return s.replace(/\\(.)/g, (_, c: string) =>
    c === "t" ? "\t" : c === "n" ? "\n" : c === "r" ? "\r" : c === "b" ? "\b" : c === "f" ? "\f" : c === "v" ? "\v" : c,
  );
}

/**
 * Streams a query's rows with `COPY (query) TO STDOUT`, calling `fn` with each row's fields as text (null for NULL).
 * COPY takes no parameters: the query must carry its values as literals (`literal()` quotes one). Rows cut across the
 * server's 64 kB messages are joined here.
 */
export async function copyOut(conn: pg.ClientBase, query: string, fn: (fields: (string | null)[]) => void) {
  const stream = conn.query(copyTo(`COPY (${query}) TO STDOUT`));
  let rest = "";
  const decoder = new TextDecoder();
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (b: Buffer) => {
      const text = rest + decoder.decode(b, { stream: true });
      let start = 0;
      for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
        fn(text.slice(start, nl).split("\t").map(unescapeField));
        start = nl + 1;
      }
      rest = text.slice(start);
    });
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  if (rest) throw new PgDirectError("copyOut: the stream ended inside a row");
}

/** A SQL string literal (for COPY's query, which takes no parameters). */
export function literal(conn: pg.ClientBase, value: string): string {
  return (conn as pg.Client).escapeLiteral(value);
}
