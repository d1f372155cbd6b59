/**
 * For tests that tamper with the audit log ON PURPOSE, to prove the verifier sees it: the database refuses UPDATE and
 * DELETE on AuditEvent and AuditCheckpoint (triggers, migration audit_append_only), so these tests first take the
 * triggers away, as an attacker with the database owner's rights could, and put them back afterwards.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { dialectOf, type SqlRunner } from "@/lib/db/sql";

type Raw = { $executeRawUnsafe(sql: string): Promise<number> };

function sqliteTriggers(): string[] {
  const dir = path.resolve(import.meta.dirname, "../../prisma/sqlite/migrations");
  const name = readdirSync(dir).find((d) => d.endsWith("_audit_append_only"))!;
  const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
  return [...sql.matchAll(/CREATE TRIGGER[\s\S]+?END;/g)].map((m) => m[0]);
}

export async function withoutAppendOnlyGuard<T>(db: Raw, fn: () => Promise<T>): Promise<T> {
  const pg = dialectOf(db as unknown as SqlRunner).engine === "postgresql";
  const tables = ["AuditEvent", "AuditCheckpoint"];
  if (pg) for (const t of tables) await db.$executeRawUnsafe(`ALTER TABLE "${t}" DISABLE TRIGGER USER`);
  else
    for (const t of sqliteTriggers())
      await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS ${/CREATE TRIGGER ("[^"]+")/.exec(t)![1]}`);
  try {
    return await fn();
  } finally {
    if (pg) for (const t of tables) await db.$executeRawUnsafe(`ALTER TABLE "${t}" ENABLE TRIGGER USER`);
    else for (const t of sqliteTriggers()) await db.$executeRawUnsafe(t);
  }
}
