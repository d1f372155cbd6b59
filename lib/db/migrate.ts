/**
 * Applies prisma/<engine>/migrations/<name>/migration.sql in order, each in its own transaction,
 * recording name and checksum in `_recert_migrations`.
 *
 * Why not `prisma migrate deploy`: with the offline JS schema engine and @prisma/adapter-pg it fails on
 * PostgreSQL ("Column type 'name' could not be deserialized", prisma/prisma#27403). One runner for both
 * engines keeps SQLite and PostgreSQL on the same path. Migrations are still written by Prisma
 * (`npm run db:new-migration`), so the SQL is Prisma's own.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { engineOfUrl } from "./sql";

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function listMigrations(provider: "sqlite" | "postgresql", root = process.cwd()): Migration[] {
  const dir = path.join(root, "prisma", provider, "migrations");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

function checkApplied(applied: Map<string, string>, migrations: Migration[]): Migration[] {
  const known = new Set(migrations.map((m) => m.name));
  for (const [name, checksum] of applied) {
    const m = migrations.find((x) => x.name === name);
    if (!known.has(name))
      throw new Error(
        `The database has migration ${name}, which this version of Recert does not know. Is it older than the database?`,
      );
    if (m && m.checksum !== checksum)
      throw new Error(
        `Migration ${name} was changed after it was applied (checksum mismatch). Restore the original file.`,
      );
  }
  return migrations.filter((m) => !applied.has(m.name));
}

export function sqliteFile(databaseUrl: string, root = process.cwd()): string {
  const file = databaseUrl.slice("file:".length).split("?")[0] ?? "";
  return path.resolve(root, file);
}

export async function migrate(databaseUrl: string, root = process.cwd()): Promise<MigrationResult> {
  if (engineOfUrl(databaseUrl) === "postgresql") return migratePostgres(databaseUrl, root);
  return migrateSqlite(databaseUrl, root);
}

function migrateSqlite(databaseUrl: string, root: string): MigrationResult {
  const file = sqliteFile(databaseUrl, root);
  mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file, { timeout: 30_000 });
  try {
    // 16 KiB pages for a new database (SQLite ignores this for one that has tables; its default is 4 KiB): a campaign
    // start appends a million items and three index entries each, and with four times fewer pages to fill and link the
    // inserts and the commit's checkpoint took 8.9-9.6 s instead of 11.3-11.7 s for 1.14M items in alternating runs
    // of the same script (#20). It must precede WAL mode: a database in WAL mode keeps the page size it has.
    sqlite.pragma("page_size = 16384");
    sqlite.pragma("journal_mode = WAL");
    sqlite.exec(
      `CREATE TABLE IF NOT EXISTS "_recert_migrations" ("name" TEXT PRIMARY KEY, "checksum" TEXT NOT NULL, "applied_at" TEXT NOT NULL)`,
    );
    const applied: string[] = [];
    // IMMEDIATE takes the write lock up front, so two processes starting at once apply each migration once.
    const run = sqlite.transaction(() => {
      const rows = sqlite.prepare(`SELECT name, checksum FROM "_recert_migrations"`).all() as {
        name: string;
        checksum: string;
      }[];
      const pending = checkApplied(new Map(rows.map((r) => [r.name, r.checksum])), listMigrations("sqlite", root));
      for (const m of pending) {
        sqlite.exec(m.sql);
        sqlite
          .prepare(`INSERT INTO "_recert_migrations" (name, checksum, applied_at) VALUES (?, ?, ?)`)
          .run(m.name, m.checksum, new Date().toISOString());
        applied.push(m.name);
      }
      return rows.length;
    });
    const already = run.immediate();
    return { applied, alreadyApplied: already };
  } finally {
    sqlite.close();
  }
}

async function migratePostgres(databaseUrl: string, root: string): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // An advisory lock serialises concurrent runners (two app instances starting together).
    await client.query("SELECT pg_advisory_lock(727274)");
    await client.query(
      `CREATE TABLE IF NOT EXISTS "_recert_migrations" ("name" TEXT PRIMARY KEY, "checksum" TEXT NOT NULL, "applied_at" TIMESTAMPTZ NOT NULL)`,
    );
    const { rows } = await client.query<{ name: string; checksum: string }>(
      `SELECT name, checksum FROM "_recert_migrations"`,
    );
    const pending = checkApplied(new Map(rows.map((r) => [r.name, r.checksum])), listMigrations("postgresql", root));
    const applied: string[] = [];
    for (const m of pending) {
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO "_recert_migrations" (name, checksum, applied_at) VALUES ($1, $2, now())`, [
          m.name,
          m.checksum,
        ]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw new Error(`Migration ${m.name} failed: ${(e as Error).message}`);
      }
      applied.push(m.name);
    }
    return { applied, alreadyApplied: rows.length };
  } finally {
    await client.query("SELECT pg_advisory_unlock(727274)").catch(() => undefined);
    await client.end();
  }
}
