import "server-only";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { resolveConnection } from "@/lib/connection";
import { createSyncGraph } from "@/lib/sync/graph-client";
import type { GraphClient } from "@/lib/graph";
import type { Ctx } from "./lifecycle";
import { ReviewError } from "./errors";

/** The app's campaign context: its database and tenant. */
export function appCtx(): Ctx {
  const e = env();
  return { db: db(), databaseUrl: e.DATABASE_URL, tenantId: e.ENTRA_TENANT_ID };
}

/** The Graph client revocations go through (client credentials on the connection in use). */
export async function appGraph(): Promise<GraphClient> {
  const r = await resolveConnection(db(), env());
  if (!r.ok) throw new ReviewError("conflict", `Revocations cannot be applied: ${r.reason}`);
  return createSyncGraph(r.connection);
}


