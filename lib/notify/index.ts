/**
 * Notices by mail and Teams (#18): composing the outbox from notices (compose.ts), delivering it (deliver.ts) through
 * the configured transports (transports.ts). The scheduler runs one pass of both; Settings lists the outbox.
 */
import type { PrismaClient } from ".prisma/recert-sqlite";
import type { Ctx } from "@/lib/db/context";
import type { Env } from "@/lib/env";
import { mailGraphFactory } from "@/lib/connection/graph";
import { notifyConfig } from "./config";
import { composeOutbox } from "./compose";
import { type DeliveryReport, deliverOutbox } from "./deliver";
import { transportsFor } from "./transports";
import { logError } from "@/lib/log";

export { composeOutbox } from "./compose";
export { deliverOutbox, resolveMessage } from "./deliver";
export { notifyConfig, describeChannels } from "./config";
export { transportsFor } from "./transports";

export interface NotifyReport {
  notices: number;
  messages: number;
  delivery: DeliveryReport;
}

/** One pass: compose what is new, then deliver what is due. */
export async function runNotifications(
  ctx: Ctx,
  db: PrismaClient,
  e: Env,
  o: { signal?: AbortSignal } = {},
): Promise<NotifyReport> {
  const cfg = notifyConfig(e);
  // A failed compose (e.g. the database busy) must not stop what is already queued from going out.
  let composed = { notices: 0, messages: 0 };
  try {
    composed = await composeOutbox(ctx, cfg);
  } catch (err) {
    logError("composing notices failed, the next pass retries", err);
  }
  const transports = transportsFor(cfg, await mailGraphFactory(db, e));
  try {
    return { ...composed, delivery: await deliverOutbox(ctx, transports, { signal: o.signal }) };
  } finally {
    transports.mail?.close?.();
  }
}
