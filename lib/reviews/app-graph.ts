import "server-only";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { resolveWriteConnection } from "@/lib/connection";
import { createSyncGraph } from "@/lib/connection/graph-client";
import type { GraphClient } from "@/lib/graph";
import { UserError } from "@/lib/errors";

/** The Graph client revocations go through: the write app's client credentials, never the sign-in app's. */
export async function appGraph(): Promise<GraphClient> {
  const r = await resolveWriteConnection(db(), env());
  if (!r.ok) throw new UserError("conflict", `Revocations cannot be applied: ${r.reason}`);
  return createSyncGraph(r.connection);
}
