import { PrismaClient as SqliteClient } from ".prisma/recert-sqlite";
import { PrismaClient as PgClient } from ".prisma/recert-postgresql";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";

export function isPostgres(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//.test(databaseUrl);
}

/**
 * Both generated clients come from the same models, so they expose the same API; the SQLite one's
 * types stand for both. Free of `server-only` so CLIs and tests can open their own connections.
 */
export function createClient(databaseUrl: string): SqliteClient {
  if (isPostgres(databaseUrl)) {
    return new PgClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) }) as unknown as SqliteClient;
  }
  // WAL lets the app read while a sync writes; busy_timeout turns lock contention into waiting, not errors.
  return new SqliteClient({ adapter: new PrismaBetterSQLite3({ url: databaseUrl, timeout: 10_000 }) });
}
