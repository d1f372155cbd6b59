import "server-only";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { createSyncGraph } from "@/lib/sync/graph-client";
import type { GraphClient } from "@/lib/graph";
import type { Ctx } from "./lifecycle";

/** The app's campaign context: its database and tenant. */
export function appCtx(): Ctx {
  const e = env();
  return { db: db(), databaseUrl: e.DATABASE_URL, tenantId: e.ENTRA_TENANT_ID };
}

/** The Graph client revocations go through (client credentials). */
export function appGraph(): GraphClient {
  const e = env();
  return createSyncGraph({ baseUrl: e.GRAPH_BASE_URL, authorityHost: e.ENTRA_AUTHORITY_HOST, tenantId: e.ENTRA_TENANT_ID, clientId: e.AUTH_MICROSOFT_ENTRA_ID_ID, clientSecret: e.AUTH_MICROSOFT_ENTRA_ID_SECRET });
}
