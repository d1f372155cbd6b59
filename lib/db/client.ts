import { PrismaClient as SqliteClient } from ".prisma/recert-sqlite";
import { PrismaClient as PgClient } from ".prisma/recert-postgresql";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";
import { engineOfUrl } from "./sql";

/**
 * The driver slots live on the client object itself under registry symbols, not in a module-level WeakMap: Next.js
 * bundles this module more than once (the server-action and route bundles each get a copy), and a WeakMap in one copy
 * does not know the clients another copy created (seen as "putBlob: no SQLite connection" at a campaign's close).
 */
const SQLITE_SLOT = Symbol.for("recert.db.sqliteHandle");
const PG_SLOT = Symbol.for("recert.db.pgPool");
type Slotted = { [SQLITE_SLOT]?: { db?: BetterSqlite3.Database }; [PG_SLOT]?: { pool?: pg.Pool } };

/** Keeps the connection the adapter opens, so bulk writes can use prepared statements on it. */
class CapturingSqliteFactory extends PrismaBetterSQLite3 {
  constructor(
    config: ConstructorParameters<typeof PrismaBetterSQLite3>[0],
    private readonly slot: { db?: BetterSqlite3.Database },
  ) {
    super(config);
  }
  override async connect() {
    const adapter = await super.connect();
    this.slot.db = (adapter as unknown as { client: BetterSqlite3.Database }).client;
    return adapter;
  }
}

/**
 * The SQLite connection under a client (undefined for PostgreSQL or before the first query). A SQLite
 * client has exactly one connection, so inside one of its interactive transactions, statements run
 * on this handle belong to that transaction. Use only for bulk writes that the Prisma API cannot do
 * fast enough, and only while that client's transaction is open.
 */
export function sqliteHandleOf(client: object): BetterSqlite3.Database | undefined {
  return (client as Slotted)[SQLITE_SLOT]?.db;
}

class CapturingPgFactory extends PrismaPg {
  constructor(
    config: ConstructorParameters<typeof PrismaPg>[0],
    private readonly slot: { pool?: pg.Pool },
  ) {
    super(config);
  }
  override async connect() {
    const adapter = await super.connect();
    this.slot.pool = (adapter as unknown as { client: pg.Pool }).client;
    return adapter;
  }
}

/**
 * The pg pool under a PostgreSQL client (undefined for SQLite or before the first query): for byte-heavy work the
 * Prisma adapter is too slow for (lib/db/blobs.ts). Its connections are not the client's transactions.
 */
export function pgPoolOf(client: object): pg.Pool | undefined {
  return (client as Slotted)[PG_SLOT]?.pool;
}

/** How long a statement waits for another writer's lock before failing as "busy" (see lib/db/errors.ts). */
export const LOCK_TIMEOUT_MS = 10_000;

/**
 * Both generated clients come from the same models, so they expose the same API; the SQLite one's
 * types stand for both. Free of `server-only` so CLIs and tests can open their own connections.
 * Both engines wait up to `lockTimeoutMs` for a lock, then fail (SQLite's busy timeout, PostgreSQL's
 * lock_timeout): a stuck writer turns into a clear error instead of a request that hangs forever.
 */
export function createClient(databaseUrl: string, o: { lockTimeoutMs?: number } = {}): SqliteClient {
  const lockTimeoutMs = Math.max(1, Math.round(o.lockTimeoutMs ?? LOCK_TIMEOUT_MS));
  if (engineOfUrl(databaseUrl) === "postgresql") {
    const slot: { pool?: pg.Pool } = {};
    const client = new PgClient({
      adapter: new CapturingPgFactory(
        { connectionString: databaseUrl, options: `-c lock_timeout=${lockTimeoutMs}` },
        slot,
      ),
    }) as unknown as SqliteClient;
    Object.defineProperty(client, PG_SLOT, { value: slot });
    return client;
  }
  // WAL lets the app read while a sync writes; busy_timeout turns lock contention into waiting, not errors.
  const slot: { db?: BetterSqlite3.Database } = {};
  const client = new SqliteClient({
    adapter: new CapturingSqliteFactory({ url: databaseUrl, timeout: lockTimeoutMs }, slot),
  });
  Object.defineProperty(client, SQLITE_SLOT, { value: slot });
  return client;
}
