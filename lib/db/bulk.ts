/**
 * Bulk INSERT for large write paths (campaign items: up to a million rows). The rows travel as one JSON
 * parameter per chunk that the database expands (json_each on SQLite, json_array_elements on PostgreSQL):
 * binding tens of thousands of separate parameters through the driver adapter costs several times more.
 */
export interface SqlRunner {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export type ColumnType = "string" | "int" | "bool" | "datetime";
export interface BulkColumn {
  name: string;
  type: ColumnType;
}
export type Engine = "sqlite" | "postgresql";

export const quoteIdent = (id: string): string => `"${id.replace(/"/g, '""')}"`;

export function engineOf(databaseUrl: string): Engine {
  return /^postgres(ql)?:\/\//.test(databaseUrl) ? "postgresql" : "sqlite";
}

/** Asks the connection which engine it is (works through any Prisma client or transaction). */
export async function detectEngine(db: SqlRunner): Promise<Engine> {
  try {
    await db.$queryRawUnsafe("SELECT sqlite_version()");
    return "sqlite";
  } catch {
    return "postgresql";
  }
}

function toJson(v: unknown, c: BulkColumn, engine: Engine): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (c.type === "bool") return Boolean(v);
  if (c.type === "datetime") {
    const date = v instanceof Date ? v : new Date(String(v));
    if (Number.isNaN(date.getTime())) return null;
    // Prisma's SQLite adapter stores DateTime as ISO text with an explicit +00:00 offset; keep its format.
    return engine === "sqlite" ? date.toISOString().replace("Z", "+00:00") : date.toISOString();
  }
  return v as string | number;
}

function column(engine: Engine, c: BulkColumn, i: number): string {
  if (engine === "sqlite") return `json_extract(e.j, '$[${i}]')`;
  const cast = { string: "text", int: "integer", bool: "boolean", datetime: "timestamp(3)" }[c.type];
  return `(e.value->>${i})::${cast}`;
}

/** Inserts rows (arrays in column order). `onConflict` is appended verbatim (e.g. `ON CONFLICT DO NOTHING`). */
export async function bulkInsert(db: SqlRunner, engine: Engine, table: string, columns: BulkColumn[], rows: unknown[][], onConflict = "", chunk = 10_000): Promise<void> {
  if (rows.length === 0) return;
  const source = engine === "sqlite" ? `(SELECT jsonb(value) AS j FROM json_each(?)) e` : `json_array_elements($1::json) e`;
  const sql = `INSERT INTO ${quoteIdent(table)} (${columns.map((c) => quoteIdent(c.name)).join(", ")}) SELECT ${columns.map((c, i) => column(engine, c, i)).join(", ")} FROM ${source} WHERE true ${onConflict}`;
  for (let i = 0; i < rows.length; i += chunk) {
    const payload = JSON.stringify(rows.slice(i, i + chunk).map((r) => r.map((v, k) => toJson(v, columns[k]!, engine))));
    await db.$executeRawUnsafe(sql, payload);
  }
}
