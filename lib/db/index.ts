import "server-only";
import { PrismaClient } from ".prisma/recert-sqlite";
import { createClient } from "./client";

export type { Prisma } from ".prisma/recert-sqlite";
export type Db = PrismaClient;

// One client per process; Next's dev server re-evaluates modules, so keep it on globalThis.
const g = globalThis as unknown as { __recertDb?: PrismaClient };

export function db(): PrismaClient {
  g.__recertDb ??= createClient(process.env.DATABASE_URL || "file:./data/recert.db");
  return g.__recertDb;
}
