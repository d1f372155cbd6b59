import type { PrismaClient } from ".prisma/recert-sqlite";
import type { Env } from "../env";
import type { GraphClient } from "../graph";
import { createGraphClient } from "../graph";
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

/**
 * The write app's client for notices by mail (#18, lib/notify): one request at a time and no retries of its own, so a
 * 429 and its Retry-After reach the outbox, which schedules the message again and pauses the mailbox's queue.
 */
export async function mailGraphFactory(db: PrismaClient, e: Env): Promise<() => GraphClient> {
  const r = await resolveWriteConnection(db, e);
  if (!r.ok) {
    return () => {
      throw new UserError("conflict", `No write app to send mail with: ${r.reason}`);
    };
  }
  let client: GraphClient | undefined;
  return () => (client ??= createGraphClient({ ...r.connection, maxConcurrency: 1, retryBudgetMs: 0 }));
}
