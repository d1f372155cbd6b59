/**
 * The one place that knows how SQLite and PostgreSQL differ for the raw SQL Recert writes: placeholders,
 * null-safe comparison, boolean literals, JSON expansion for bulk writes, parameter limits. The engine is
 * read from the client itself (`dialectOf`), so no function needs a database URL to choose its SQL.
 * Identifiers are double-quoted (both engines accept it); values are parameters.
 */

/** What raw SQL needs of a Prisma client or an interactive-transaction client. */
export interface SqlRunner {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export type Engine = "sqlite" | "postgresql";

export interface Dialect {
  engine: Engine;
  /** placeholder for the i-th (1-based) parameter */
  p(i: number): string;
  /** null-safe "a differs from b" */
  distinct(a: string, b: string): string;
  /** a boolean literal */
  bool(b: boolean): string;
  /** most parameters one statement may carry */
  maxParams: number;
}

export const SQLITE: Dialect = {
  engine: "sqlite",
  p: () => "?",
  distinct: (a, b) => `${a} IS NOT ${b}`,
  bool: (b) => (b ? "1" : "0"),
  maxParams: 30_000,
};
export const POSTGRES: Dialect = {
  engine: "postgresql",
  p: (i) => `$${i}`,
  distinct: (a, b) => `${a} IS DISTINCT FROM ${b}`,
  bool: (b) => (b ? "true" : "false"),
  maxParams: 60_000,
};

/** The engine a connection string names (only where a connection is opened: client, migrations, test setup). */
export function engineOfUrl(databaseUrl: string): Engine {
  return /^postgres(ql)?:\/\//.test(databaseUrl) ? "postgresql" : "sqlite";
}

/**
 * The dialect of a Prisma client or of a transaction opened on one. Prisma keeps the provider on the
 * client as `_activeProvider`, and interactive-transaction clients proxy it from their parent (checked by
 * lib/db/sql.test.ts, so a Prisma upgrade that drops it fails there and not in production).
 */
export function dialectOf(client: SqlRunner): Dialect {
  const provider = (client as unknown as { _activeProvider?: string })._activeProvider;
  if (provider === "sqlite") return SQLITE;
  if (provider === "postgresql") return POSTGRES;
  throw new Error(`Cannot tell the database engine of this client (provider ${String(provider)}).`);
}

export const q = (id: string): string => `"${id.replace(/"/g, '""')}"`;

/** Rows of a query, with BigInt counts turned into numbers (SQLite returns BigInt for integers). */
export async function select<T extends Record<string, unknown>>(
  db: SqlRunner,
  sql: string,
  ...values: unknown[]
): Promise<T[]> {
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...values);
  for (const r of rows) for (const k of Object.keys(r)) if (typeof r[k] === "bigint") r[k] = Number(r[k]);
  return rows as T[];
}

/** `IN (…)` lists chunked under the parameter limit. */
export async function selectIn<T extends Record<string, unknown>>(
  db: SqlRunner,
  sqlWithList: (list: string) => string,
  ids: string[],
  before: unknown[] = [],
): Promise<T[]> {
  const d = dialectOf(db);
  const out: T[] = [];
  const chunk = Math.min(d.maxParams - before.length, 5_000);
  for (let i = 0; i < ids.length; i += chunk) {
    const part = ids.slice(i, i + chunk);
    const list = part.map((_, k) => d.p(before.length + k + 1)).join(",");
    out.push(...(await select<T>(db, sqlWithList(list), ...before, ...part)));
  }
  return out;
}

/** A statement with an `IN (…)` list, run in chunks under the parameter limit; returns rows affected. */
export async function execIn(db: SqlRunner, sqlWithList: (list: string) => string, ids: string[]): Promise<number> {
  const d = dialectOf(db);
  let n = 0;
  for (let i = 0; i < ids.length; i += 5_000) {
    const part = ids.slice(i, i + 5_000);
    n += await db.$executeRawUnsafe(sqlWithList(part.map((_, k) => d.p(k + 1)).join(",")), ...part);
  }
  return n;
}

export type ColumnType = "string" | "json" | "int" | "bool" | "datetime";
export interface BulkColumn {
  name: string;
  type: ColumnType;
}

/** A value as it travels inside a JSON batch (see bulkInsert). */
export function jsonValue(v: unknown, type: ColumnType, engine: Engine): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (type === "bool") return Boolean(v);
  if (type === "datetime") {
    const date = v instanceof Date ? v : new Date(String(v));
    if (Number.isNaN(date.getTime())) return null;
    // Prisma's SQLite adapter stores DateTime as ISO text with an explicit +00:00 offset; keep its format.
    return engine === "sqlite" ? date.toISOString().replace("Z", "+00:00") : date.toISOString();
  }
  if (v instanceof Date) return v.toISOString();
  return v as string | number;
}

/** SQL that reads element `i` of a JSON row array `e` as the column's type. */
function jsonColumn(engine: Engine, c: BulkColumn, i: number): string {
  if (engine === "sqlite") return `json_extract(e.j, '$[${i}]')`;
  const cast = { string: "text", json: "text", int: "integer", bool: "boolean", datetime: "timestamp(3)" }[c.type];
  return `(e.value->>${i})::${cast}`;
}

export interface BulkOptions {
  /** Appended verbatim, e.g. `ON CONFLICT DO NOTHING`. */
  onConflict?: string;
  /** Columns with one SQL literal for every row (checked by the caller), written before the JSON columns. */
  constants?: { name: string; sql: string }[];
  chunk?: number;
}

/**
 * Bulk INSERT for large write paths (sync staging, campaign items: up to a million rows). The rows travel
 * as ONE JSON parameter per chunk that the database expands (json_each on SQLite, json_array_elements on
 * PostgreSQL): binding tens of thousands of separate parameters through the driver adapter costs several
 * times more than the insert itself. Rows are arrays in column order.
 */
export async function bulkInsert(
  db: SqlRunner,
  table: string,
  columns: BulkColumn[],
  rows: unknown[][],
  o: BulkOptions = {},
): Promise<void> {
  if (rows.length === 0) return;
  const { engine } = dialectOf(db);
  const constants = o.constants ?? [];
  // SQLite: convert each row to JSONB once, so extracting N columns does not re-parse its text N times.
  const source =
    engine === "sqlite" ? `(SELECT jsonb(value) AS j FROM json_each(?)) e` : `json_array_elements($1::json) e`;
  const names = [...constants.map((c) => c.name), ...columns.map((c) => c.name)].map(q).join(", ");
  const values = [...constants.map((c) => c.sql), ...columns.map((c, i) => jsonColumn(engine, c, i))].join(", ");
  // SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT (parser ambiguity with joins).
  const sql = `INSERT INTO ${q(table)} (${names}) SELECT ${values} FROM ${source} WHERE true ${o.onConflict ?? ""}`;
  const chunk = o.chunk ?? 10_000;
  for (let i = 0; i < rows.length; i += chunk) {
    const payload = JSON.stringify(
      rows.slice(i, i + chunk).map((r) => r.map((v, k) => jsonValue(v, columns[k]!.type, engine))),
    );
    await db.$executeRawUnsafe(sql, payload);
  }
}

/**
 * Parameters for a statement built piece by piece (filters, search): `p(value)` records the value and
 * returns its placeholder, so conditions can be appended in any order and stay parameterised.
 */
export function parameters(d: Dialect): { values: unknown[]; p: (v: unknown) => string } {
  const values: unknown[] = [];
  return {
    values,
    p: (v) => {
      values.push(v);
      return d.p(values.length);
    },
  };
}

/**
 * `column IN (the ids)` with the whole list as one parameter. On PostgreSQL a text[] compared by `= ANY`, which the
 * planner hashes or uses as an index condition and whose length it knows; `IN (SELECT json_array_elements_text(…))` is
 * planned for the function's declared 100 rows whatever the list holds, and chose a nested-loop semi join that cost
 * 21.3 s on the review bench (see the New filter in lib/reviews/queries.ts). SQLite: a JSON array read by `json_each`.
 */
export function inIds(d: Dialect, p: (v: unknown) => string, column: string, ids: readonly string[]): string {
  return d.engine === "postgresql"
    ? `${column} = ANY(${p([...ids])}::text[])`
    : `${column} IN (SELECT value FROM json_each(${p(JSON.stringify(ids))}))`;
}

/**
 * The ids as rows of one column `v`, for a FROM clause or a CTE, the list being one parameter. PostgreSQL: `unnest` of
 * a text[], whose planner support function counts the array's elements (PostgreSQL 15, "Function Optimization
 * Information"); a set-returning function without one, such as `json_array_elements_text`, is planned for 100 rows.
 */
export function idRows(d: Dialect, p: (v: unknown) => string, ids: readonly string[]): string {
  return d.engine === "postgresql"
    ? `SELECT unnest(${p([...ids])}::text[]) AS v`
    : `SELECT value AS v FROM json_each(${p(JSON.stringify(ids))})`;
}

/** A case-insensitive "contains" pattern for `LOWER(col) LIKE … ESCAPE '\'` (the user's % and _ match themselves). */
export function containsPattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
