/**
 * Staging writes for the sync: rows of a run go into its staging tables through the one bulk path of
 * lib/db/sql.ts, keyed by run id. Run ids are ours (UUIDs), checked before they are inlined.
 */
import { bulkInsert, q, type SqlRunner } from "@/lib/db/sql";
import { allColumns, type TableSpec } from "./tables";

export function runIdLiteral(runId: string): string {
  if (!/^[0-9a-f-]{36}$/i.test(runId)) throw new Error(`bad run id ${runId}`);
  return `'${runId}'`;
}

export type Value = string | number | boolean | Date | null;
export type Row = Record<string, Value | undefined>;

/**
 * Bulk INSERT into a staging table. Later rows with the same key win (`ON CONFLICT DO UPDATE`) unless
 * `ignoreDuplicates`.
 */
export async function stageRows(
  db: SqlRunner,
  spec: TableSpec,
  runId: string,
  rows: Row[],
  opts: { ignoreDuplicates?: boolean } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const cols = allColumns(spec);
  // Within one statement a key may appear only once for ON CONFLICT DO UPDATE (PostgreSQL refuses twice).
  const unique = dedupe(rows, spec.key);
  const key = ["runId", ...spec.key].map(q).join(", ");
  const onConflict =
    opts.ignoreDuplicates || spec.columns.length === 0
      ? `ON CONFLICT (${key}) DO NOTHING`
      : `ON CONFLICT (${key}) DO UPDATE SET ${spec.columns.map((c) => `${q(c.name)} = excluded.${q(c.name)}`).join(", ")}`;
  const arrays = unique.map((r) => cols.map((c) => r[c.name]));
  await bulkInsert(db, spec.stage, cols, arrays, {
    onConflict,
    constants: [{ name: "runId", sql: runIdLiteral(runId) }],
    chunk: 20_000,
  });
}

/** The rows with each key once: the last row of a key wins, at the place of its first. */
export function dedupe(rows: Row[], key: string[]): Row[] {
  const seen = new Map<string, Row>();
  for (const r of rows) seen.set(key.map((k) => String(r[k])).join("\u0000"), r);
  return seen.size === rows.length ? rows : [...seen.values()];
}
