import type { PrismaClient } from ".prisma/recert-sqlite";
import type { Env } from "../env";
import type { GraphClient } from "../graph";
import { createSyncGraph } from "./graph-client";
import { UserError } from "@/lib/errors";
import { resolveWriteConnection } from "./store";

/**
 * A Graph client factory for revocations and expiries: the write app, never the read or sign-in app. Resolved once;
 * when there is no usable write connection (none configured, disconnected, certificate unreadable) calling it throws
 * UserError with the reason, so each write is recorded as failed with that reason and retried later.
 */
export async function graphFactory(db: PrismaClient, e: Env): Promise<() => GraphClient> {
  const r = await resolveWriteConnection(db, e);
  if (!r.ok) {
    return () => {
      throw new UserError("conflict", r.reason);
    };
  }
  let client: GraphClient | undefined;
  return () => (client ??= createSyncGraph(r.connection));
}
