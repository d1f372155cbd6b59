import "server-only";
import { dialectOf, type SqlRunner } from "@/lib/db/sql";
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
export async function appendAudit(client: AuditClient, input: AuditInput): Promise<AuditRecord> {
  const [record] = await appendAuditMany(client, [input]);
  return record!;
}

/**
 * Appends several events in order under one lock and one read of the chain head (a bulk decision on
 * 1,000 items writes 1,000 linked events in one statement batch). Same transaction rules as appendAudit.
 */
export async function appendAuditMany(client: AuditClient, inputs: AuditInput[]): Promise<AuditRecord[]> {
  if (inputs.length === 0) return [];
  // Given the top-level client rather than a transaction: open one, so reading the head and appending
  // are atomic (the advisory lock lives as long as the transaction; SQLite's adapter serialises them).
  const top = client as AuditClient & { $transaction?: Db["$transaction"] };
  if (typeof top.$transaction === "function") {
    return top.$transaction((tx) => appendInTransaction(tx, inputs), { timeout: 60_000, maxWait: 30_000 });
  }
  return appendInTransaction(client, inputs);
}

async function appendInTransaction(client: AuditClient, inputs: AuditInput[]): Promise<AuditRecord[]> {
  // PostgreSQL: a transaction-scoped advisory lock serialises appenders across connections. SQLite
  // serialises writers by itself (one writer at a time, the driver waits on the busy timeout).
  if (dialectOf(client as unknown as SqlRunner).engine === "postgresql")
    await client.$executeRawUnsafe("SELECT pg_advisory_xact_lock(727275)");
  const last = await client.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  let seq = last?.seq ?? 0;
  let prevHash = last?.hash ?? GENESIS_HASH;
  const now = new Date();
  const rows = [];
  const records: AuditRecord[] = [];
  for (const input of inputs) {
    seq++;
    const at = (input.at ?? now).toISOString();
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
    rows.push({
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
    });
    records.push({ seq, hash });
    prevHash = hash;
  }
  for (let i = 0; i < rows.length; i += 500) await client.auditEvent.createMany({ data: rows.slice(i, i + 500) });
  return records;
}

/** The newest link: what a closed campaign records and its report embeds. */
export async function chainHead(client: Pick<Db, "auditEvent">): Promise<AuditRecord> {
  const last = await client.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  return last ?? { seq: 0, hash: GENESIS_HASH };
}
