/** better-sqlite3 as Prisma's adapter loads it, for connections of our own (staging writers, the campaign items' worker). */
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";

/** Where better-sqlite3 is, as Prisma's adapter loads it (also for child processes that must use the same build). */
export function sqliteDriverPath(): string {
  const req = createRequire(import.meta.url);
  const adapter = req.resolve("@prisma/adapter-better-sqlite3");
  return createRequire(adapter).resolve("better-sqlite3");
}

/**
 * better-sqlite3 exactly as Prisma's adapter loads it. Two copies of the SQLite library in one process
 * must never open the same file: closing a file in one copy drops the other's POSIX locks (SQLite's
 * "multiple copies" hazard; we saw SQLITE_IOERR_SHORT_READ before loading it this way).
 */
export function sqliteDriver(): typeof BetterSqlite3 {
  return createRequire(import.meta.url)(sqliteDriverPath()) as typeof BetterSqlite3;
}
