/**
 * The little SQL this module needs, identical on SQLite and PostgreSQL except for placeholders and
 * null-safe comparison. Identifiers are double-quoted (both engines accept it); values are always
 * parameters, except run ids, which we generate and check before inlining.
 */
import { allColumns, type Column, type TableSpec } from "./tables";

/** What we need of a Prisma client or interactive-transaction client. */
export interface SqlRunner {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export interface Dialect {
  engine: "sqlite" | "postgresql";
  /** placeholder for the i-th (1-based) parameter */
  p(i: number): string;
  /** null-safe "a differs from b" */
  distinct(a: string, b: string): string;
  /** most parameters one statement may carry */
  maxParams: number;
}

export const SQLITE: Dialect = { engine: "sqlite", p: () => "?", distinct: (a, b) => `${a} IS NOT ${b}`, maxParams: 30_000 };
export const POSTGRES: Dialect = { engine: "postgresql", p: (i) => `$${i}`, distinct: (a, b) => `${a} IS DISTINCT FROM ${b}`, maxParams: 60_000 };

export function dialectFor(databaseUrl: string): Dialect {
  return /^postgres(ql)?:\/\//.test(databaseUrl) ? POSTGRES : SQLITE;
}

/** Asks the connection which engine it is (works through any Prisma client). */
export async function detectDialect(db: SqlRunner): Promise<Dialect> {
  try {
    await db.$queryRawUnsafe("SELECT sqlite_version()");
    return SQLITE;
  } catch {
    return POSTGRES;
  }
}

export const q = (id: string): string => `"${id.replace(/"/g, '""')}"`;

export function runIdLiteral(runId: string): string {
  if (!/^[0-9a-f-]{36}$/i.test(runId)) throw new Error(`bad run id ${runId}`);
  return `'${runId}'`;
}

export type Value = string | number | boolean | Date | null;
export type Row = Record<string, Value | undefined>;

/** A value as it travels inside the JSON batch (see stageRows). */
function jsonValue(v: Value | undefined, c: Column, d: Dialect): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (c.type === "bool") return Boolean(v);
  if (c.type === "datetime") {
    const date = v instanceof Date ? v : new Date(String(v));
    if (Number.isNaN(date.getTime())) return null;
    // Prisma's SQLite adapter stores DateTime as ISO text with an explicit +00:00 offset; keep its format.
    return d.engine === "sqlite" ? date.toISOString().replace("Z", "+00:00") : date.toISOString();
  }
  if (v instanceof Date) return v.toISOString();
  return v;
}

/** SQL that reads element `i` of a JSON row array `e` as the column's type. */
function jsonColumn(d: Dialect, c: Column, i: number): string {
  if (d.engine === "sqlite") return `json_extract(e.j, '$[${i}]')`;
  const cast = { string: "text", json: "text", int: "integer", bool: "boolean", datetime: "timestamp(3)" }[c.type];
  return `(e.value->>${i})::${cast}`;
}

/** Rows of a staging batch as a JSON array of arrays, expanded by the database (json_each / json_array_elements). */
function jsonRows(d: Dialect): string {
  // SQLite: convert each row to JSONB once, so extracting N columns does not re-parse its text N times.
  return d.engine === "sqlite" ? `(SELECT jsonb(value) AS j FROM json_each(${d.p(1)})) e` : `json_array_elements(${d.p(1)}::json) e`;
}

/**
 * Bulk INSERT into a staging table. The rows travel as ONE JSON parameter that the database expands
 * (json_each on SQLite, json_array_elements on PostgreSQL): binding tens of thousands of separate
 * parameters through the driver adapter costs several times more than the insert itself. Later rows
 * with the same key win (`ON CONFLICT DO UPDATE`) unless `ignoreDuplicates`.
 */
export async function stageRows(db: SqlRunner, d: Dialect, spec: TableSpec, runId: string, rows: Row[], opts: { ignoreDuplicates?: boolean } = {}): Promise<void> {
  if (rows.length === 0) return;
  const cols = allColumns(spec);
  // Within one statement a key may appear only once for ON CONFLICT DO UPDATE (PostgreSQL refuses twice).
  const unique = dedupe(rows, spec.key);
  const rid = runIdLiteral(runId);
  const conflict = opts.ignoreDuplicates || spec.columns.length === 0
    ? `ON CONFLICT (${["runId", ...spec.key].map(q).join(", ")}) DO NOTHING`
    : `ON CONFLICT (${["runId", ...spec.key].map(q).join(", ")}) DO UPDATE SET ${spec.columns.map((c) => `${q(c.name)} = excluded.${q(c.name)}`).join(", ")}`;
  // SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT (parser ambiguity with joins).
  const sql = `INSERT INTO ${q(spec.stage)} (${["runId", ...cols.map((c) => c.name)].map(q).join(", ")})
    SELECT ${rid}, ${cols.map((c, i) => jsonColumn(d, c, i)).join(", ")} FROM ${jsonRows(d)} WHERE true ${conflict}`;
  const chunk = 20_000;
  for (let i = 0; i < unique.length; i += chunk) {
    const part = unique.slice(i, i + chunk);
    const payload = JSON.stringify(part.map((r) => cols.map((c) => jsonValue(r[c.name], c, d))));
    await db.$executeRawUnsafe(sql, payload);
  }
}

function dedupe(rows: Row[], key: string[]): Row[] {
  const seen = new Map<string, Row>();
  for (const r of rows) seen.set(key.map((k) => String(r[k])).join("\u0000"), r);
  return seen.size === rows.length ? rows : [...seen.values()];
}

/** Rows of a query, with BigInt counts turned into numbers (SQLite returns BigInt for integers). */
export async function select<T extends Record<string, unknown>>(db: SqlRunner, sql: string, ...values: unknown[]): Promise<T[]> {
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...values);
  for (const r of rows) for (const k of Object.keys(r)) if (typeof r[k] === "bigint") r[k] = Number(r[k]);
  return rows as T[];
}

/** `IN (…)` lists chunked under the parameter limit. */
export async function selectIn<T extends Record<string, unknown>>(db: SqlRunner, d: Dialect, sqlWithList: (list: string) => string, ids: string[], before: unknown[] = []): Promise<T[]> {
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
export async function execIn(db: SqlRunner, d: Dialect, sqlWithList: (list: string) => string, ids: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += 5_000) {
    const part = ids.slice(i, i + 5_000);
    n += await db.$executeRawUnsafe(sqlWithList(part.map((_, k) => d.p(k + 1)).join(",")), ...part);
  }
  return n;
}
