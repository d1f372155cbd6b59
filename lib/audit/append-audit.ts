import "server-only";
import { isPostgres } from "@/lib/db/client";
import type { Db } from "@/lib/db";
import { canonicalJson, chainHash, GENESIS_HASH, type ChainedFields } from "./canonical";

export type AuditClient = Pick<Db, "auditEvent" | "$executeRawUnsafe">;

export interface AuditInput {
  actor: { type: "user" | "system" | "app"; id?: string | null; name?: string | null };
  action: string;
  target: { type: string; id: string };
  before?: unknown;
  after?: unknown;
  /** How it happened: bulk size, relation to the item, request id, … */
  context?: unknown;
  at?: Date;
}

export interface AuditRecord {
  seq: number;
  hash: string;
}

const json = (v: unknown) => (v === undefined || v === null ? null : canonicalJson(v));

/**
 * Appends one event to the hash chain. Pass a transaction client to make the event part of the same
 * commit as the change it records (a decision and its audit row stand or fall together).
 * Be careful here: appends must be strictly serial, or two events would claim the same predecessor.
 */
export async function appendAudit(client: AuditClient, input: AuditInput, databaseUrl = process.env.DATABASE_URL ?? ""): Promise<AuditRecord> {
  // PostgreSQL: a transaction-scoped advisory lock serialises appenders across connections. SQLite
  // serialises writers by itself (one writer at a time, the driver waits on the busy timeout).
  if (isPostgres(databaseUrl)) await client.$executeRawUnsafe("SELECT pg_advisory_xact_lock(727275)");
  const last = await client.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const at = (input.at ?? new Date()).toISOString();
  const fields: ChainedFields = {
    seq,
    at,
    actorType: input.actor.type,
    actorId: input.actor.id ?? null,
    actorName: input.actor.name ?? null,
    action: input.action,
    targetType: input.target.type,
    targetId: input.target.id,
    before: input.before ?? null,
    after: input.after ?? null,
    context: input.context ?? null,
  };
  const hash = chainHash(prevHash, fields);
  await client.auditEvent.create({
    data: {
      seq,
      at: new Date(at),
      actorType: fields.actorType,
      actorId: fields.actorId,
      actorName: fields.actorName,
      action: fields.action,
      targetType: fields.targetType,
      targetId: fields.targetId,
      before: json(input.before),
      after: json(input.after),
      context: json(input.context),
      prevHash,
      hash,
    },
  });
  return { seq, hash };
}

/** The newest link: what a closed campaign records and its report embeds. */
export async function chainHead(client: Pick<Db, "auditEvent">): Promise<AuditRecord> {
  const last = await client.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  return last ?? { seq: 0, hash: GENESIS_HASH };
}
