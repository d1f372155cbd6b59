import "server-only";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { resolveConnection } from "@/lib/connection";
import { createSyncGraph } from "@/lib/connection/graph-client";
import type { GraphClient } from "@/lib/graph";
import { UserError } from "@/lib/errors";

/** The Graph client revocations go through (client credentials on the connection in use). */
export async function appGraph(): Promise<GraphClient> {
  const r = await resolveConnection(db(), env());
  if (!r.ok) throw new UserError("conflict", `Revocations cannot be applied: ${r.reason}`);
  return createSyncGraph(r.connection);
}
