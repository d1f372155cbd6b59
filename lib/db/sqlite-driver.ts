/** better-sqlite3 as Prisma's adapter loads it, for connections of our own (staging writers, the campaign items' worker). */
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type BetterSqlite3 from "better-sqlite3";

/**
 * Where to resolve packages from: this file, or inside Next's server bundle (where `import.meta.url` is not a file URL:
 * Turbopack gave a module number, and `createRequire` threw) the app's directory, where `next start` runs and
 * node_modules is.
 */
function origin(): string {
  const here: unknown = import.meta.url;
  return typeof here === "string" && here.startsWith("file:")
    ? here
    : pathToFileURL(join(process.cwd(), "package.json")).href;
}

/** Where better-sqlite3 is, as Prisma's adapter loads it (also for child processes that must use the same build). */
export function sqliteDriverPath(): string {
  const adapter = createRequire(origin()).resolve("@prisma/adapter-better-sqlite3");
  return createRequire(adapter).resolve("better-sqlite3");
}

/**
 * better-sqlite3 exactly as Prisma's adapter loads it. Two copies of the SQLite library in one process
 * must never open the same file: closing a file in one copy drops the other's POSIX locks (SQLite's
 * "multiple copies" hazard; we saw SQLITE_IOERR_SHORT_READ before loading it this way).
 */
export function sqliteDriver(): typeof BetterSqlite3 {
  return createRequire(origin())(sqliteDriverPath()) as typeof BetterSqlite3;
}
