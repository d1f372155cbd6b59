/**
 * Database faults nobody can fix by changing their input: the database busy (another writer holds a lock
 * longer than the lock timeout) or gone (connection cut, server down, file moved or unreadable). Every write
 * runs in a transaction, so when one of these surfaces, nothing of the write was kept: callers say so and the
 * user tries again. Prisma wraps driver errors in several layers; this looks through all of them.
 */
export type DatabaseFault = "busy" | "unavailable";

const BUSY = [
  /SQLITE_BUSY/,
  /SQLITE_LOCKED/,
  /database is locked/i,
  /database table is locked/i,
  /lock timeout/i,
  /canceling statement due to lock timeout/i,
  /could not obtain lock/i,
  /55P03/,
  /deadlock detected/i,
  /40P01/,
];
const GONE = [
  /SQLITE_CANTOPEN/,
  /SQLITE_IOERR/,
  /SQLITE_READONLY/,
  /SQLITE_CORRUPT/,
  /SQLITE_NOTADB/,
  /SQLITE_FULL/,
  /database or disk is full/i,
  /unable to open database/i,
  /database connection is not open/i,
  /disk I\/O error/i,
  /attempt to write a readonly database/i,
  /ECONNREFUSED/,
  /ECONNRESET/,
  /EPIPE/,
  /ETIMEDOUT/,
  /Connection terminated/i,
  /terminating connection/i,
  /server closed the connection/i,
  /Client has encountered a connection error/i,
  /Can't reach database server/i,
  /57P01|57P02|57P03/,
  /08000|08003|08006|08001|08004/,
  /P1001|P1002|P1017/,
];

function texts(e: unknown, depth = 0, out: string[] = []): string[] {
  if (e === null || e === undefined || depth > 6) return out;
  if (typeof e === "string") {
    out.push(e);
    return out;
  }
  if (typeof e !== "object") return out;
  const o = e as Record<string, unknown>;
  for (const k of ["message", "code", "name", "kind", "originalCode", "originalMessage", "extendedCode"]) {
    const v = o[k];
    if (typeof v === "string" || typeof v === "number") out.push(String(v));
  }
  for (const k of ["cause", "meta", "driverAdapterError", "error"]) if (k in o) texts(o[k], depth + 1, out);
  return out;
}

/** "busy" or "unavailable" when the error is one of those database faults, else undefined. */
export function databaseFault(e: unknown): DatabaseFault | undefined {
  const t = texts(e).join("\n");
  if (!t) return undefined;
  if (BUSY.some((r) => r.test(t))) return "busy";
  if (GONE.some((r) => r.test(t))) return "unavailable";
  return undefined;
}

/** The message a person sees for a database fault (no internals), or undefined for any other error. */
export function databaseFaultMessage(e: unknown): string | undefined {
  const f = databaseFault(e);
  if (f === "busy")
    return "The database is busy with another change and did not answer in time. Nothing was saved; try again in a moment.";
  if (f === "unavailable")
    return "The database cannot be reached or cannot write (connection lost, disk full or I/O error). Nothing was saved; try again when it is back.";
  return undefined;
}

/** The driver's own words for a database fault (for logs and the sync history), e.g. "SQLITE_FULL: database or disk is full". */
export function databaseFaultDetail(e: unknown): string | undefined {
  const lines = texts(e)
    .flatMap((t) => t.split("\n"))
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => [...BUSY, ...GONE].some((r) => r.test(l))) ?? lines[0];
}
