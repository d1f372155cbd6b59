import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { engineOfUrl } from "../../lib/db/sql";
import { migrate, sqliteFile } from "../../lib/db/migrate";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/** Tests drop and create databases: refuse anything that is not on this machine. */
export function assertLocalDatabase(url: string): void {
  if (!(engineOfUrl(url) === "postgresql")) return;
  const host = new URL(url).hostname;
  if (!LOCAL_HOSTS.has(host) && process.env.RECERT_ALLOW_REMOTE_TEST_DB !== "1") {
    throw new Error(
      `Refusing to run tests against a non-local database (${host}). Set RECERT_ALLOW_REMOTE_TEST_DB=1 if you really mean it.`,
    );
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: a temporary SQLite file, or a new PostgreSQL database
 * next to the one TEST_DATABASE_URL names (so files can run in parallel without sharing rows).
 */
export async function createTestDatabase(base = process.env.TEST_DATABASE_URL ?? ""): Promise<TestDatabase> {
  if (!(engineOfUrl(base) === "postgresql")) {
    const file = path.join(tmpdir(), `recert-test-${randomBytes(6).toString("hex")}.db`);
    const url = `file:${file}`;
    await migrate(url);
    return {
      url,
      drop: async () => {
        for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
      },
    };
  }
  assertLocalDatabase(base);
  const name = `recert_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  await migrate(url);
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Empties the database the e2e app will use, then migrates it. */
export async function resetDatabase(url: string): Promise<void> {
  assertLocalDatabase(url);
  if (engineOfUrl(url) === "postgresql") {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;");
    await c.end();
  } else {
    const file = sqliteFile(url);
    for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
  }
  await migrate(url);
}
