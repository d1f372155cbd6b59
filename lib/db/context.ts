/**
 * The context every lib function that touches the database takes: the client (or a transaction), its
 * dialect, the tenant and the clock. Made in one place (`makeCtx`; the app's is `appCtx` in lib/db), so
 * no function needs a database URL to pick its SQL and tests move the clock by replacing `now`.
 * The actor stays an explicit argument of each write: it is what the audit log records, and a reader
 * sees from the signature which functions write.
 */
import type { PrismaClient } from ".prisma/recert-sqlite";
import { dialectOf, type Dialect } from "./sql";

/** Both generated clients come from the same models; the SQLite one's types stand for both. */
export type Db = PrismaClient;

export interface Ctx {
  db: Db;
  dialect: Dialect;
  tenantId: string;
  now: () => Date;
}

export function makeCtx(db: Db, tenantId: string, now: () => Date = () => new Date()): Ctx {
  return { db, dialect: dialectOf(db), tenantId, now };
}
