import "server-only";
import { env } from "@/lib/env";
import { createClient } from "./client";
import { makeCtx, type Ctx, type Db } from "./context";

export type { Prisma } from ".prisma/recert-sqlite";
export type { Ctx, Db } from "./context";
export { makeCtx } from "./context";

// One client per process; Next's dev server re-evaluates modules, so keep it on globalThis.
const g = globalThis as unknown as { __recertDb?: Db };

export function db(): Db {
  g.__recertDb ??= createClient(process.env.DATABASE_URL || "file:./data/recert.db");
  return g.__recertDb;
}

/** The app's context: its database and the configured tenant, on the real clock. */
export function appCtx(): Ctx {
  return makeCtx(db(), env().ENTRA_TENANT_ID);
}
