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
type PgSlot = { pool?: pg.Pool; clients?: Set<pg.PoolClient> };
type Slotted = { [SQLITE_SLOT]?: { db?: BetterSqlite3.Database }; [PG_SLOT]?: PgSlot };

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
    const handle = (adapter as unknown as { client: BetterSqlite3.Database }).client;
    // Interactive transactions take the write lock when they begin. The adapter's plain BEGIN is deferred: a
    // transaction that reads, then writes, cannot upgrade once another process has written meanwhile, and fails at once
    // with SQLITE_BUSY, without waiting out the busy timeout (https://www.sqlite.org/lang_transaction.html). Two
    // scheduler passes on one host failed that way ("database is locked"), one of them between a campaign's close and
    // its apply. BEGIN IMMEDIATE waits for the lock (up to the busy timeout) instead. Within this process the adapter
    // runs one transaction at a time anyway. Should the lock stay taken past the timeout, the transaction begins
    // deferred as before, and its first write waits and fails as busy (lib/db/faults.test.ts): the adapter must never
    // see BEGIN fail, since it would keep its transaction mutex locked and hang every later transaction of the client.
    const prepare = handle.prepare.bind(handle);
    handle.prepare = ((sql: string) => {
      if (sql !== "BEGIN") return prepare(sql);
      const immediate = prepare("BEGIN IMMEDIATE");
      const deferred = prepare("BEGIN");
      return {
        run: () => {
          try {
            return immediate.run();
          } catch (e) {
            if (!String((e as { code?: unknown }).code).startsWith("SQLITE_BUSY")) throw e;
            return deferred.run();
          }
        },
      };
    }) as typeof handle.prepare;
    this.slot.db = handle;
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
    private readonly slot: PgSlot,
  ) {
    super(config);
  }
  override async connect() {
    const adapter = await super.connect();
    const pool = (adapter as unknown as { client: pg.Pool }).client;
    this.slot.pool = pool;
    // The pool's connections, through its public events, so a transaction's own connection can be found by its backend
    // process id (lib/db/pg-direct.ts).
    const clients = new Set<pg.PoolClient>();
    this.slot.clients = clients;
    pool.on("connect", (c) => clients.add(c as pg.PoolClient));
    pool.on("remove", (c) => clients.delete(c as pg.PoolClient));
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

/** The connections of a PostgreSQL client's pool (see lib/db/pg-direct.ts); undefined for SQLite. */
export function pgClientsOf(client: object): ReadonlySet<pg.PoolClient> | undefined {
  return (client as Slotted)[PG_SLOT]?.clients;
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
    const slot: PgSlot = {};
    const client = new PgClient({
      adapter: new CapturingPgFactory(
        // JIT off: it pays only for long analytical queries, and the planner's default guess for an ordinal range with
        // unknown bounds (lib/reviews/reviewer-items.ts) would otherwise add ~100 ms of compilation to review pages.
        { connectionString: databaseUrl, options: `-c lock_timeout=${lockTimeoutMs} -c jit=off` },
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
