import type { Db } from "@/lib/db";
import { chainHash, GENESIS_HASH, type ChainedFields } from "./canonical";

export interface ChainProblem {
  seq: number;
  kind: "edited" | "deleted" | "inserted" | "reordered" | "truncated" | "rewritten" | "checkpoint" | "decisions";
  message: string;
}

export interface ChainReport {
  ok: boolean;
  checked: number;
  head: { seq: number; hash: string };
  problems: ChainProblem[];
}

/** An audit row as stored (evidence packages carry these, with `at` as an ISO string). */
export interface AuditRow {
  seq: number;
  at: Date;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string;
  before: string | null;
  after: string | null;
  context: string | null;
  prevHash: string;
  hash: string;
}

const parse = (s: string | null): unknown => (s === null ? null : (JSON.parse(s) as unknown));

/** The chained fields of a stored row (at `seq`), as its hash covers them. */
export function fieldsOf(r: AuditRow, seq = r.seq): ChainedFields {
  return {
    seq,
    at: r.at.toISOString(),
    actorType: r.actorType,
    actorId: r.actorId,
    actorName: r.actorName,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    before: parse(r.before),
    after: parse(r.after),
    context: parse(r.context),
  };
}

/**
 * Walks the whole chain in seq order, in pages (never the whole log in memory), and names each row
 * that was edited, deleted, inserted or moved. Does not stop at the first problem.
 */
export async function verifyChain(client: Pick<Db, "auditEvent">, pageSize = 5_000): Promise<ChainReport> {
  const problems: ChainProblem[] = [];
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let head = { seq: 0, hash: GENESIS_HASH };
  let after = 0;
  // Hashes of rows already read: after a reorder the next row still links to one of them, which is
  // the reorder's consequence, not a further insertion.
  const seen = new Set<string>();
  let previousFlagged = false;
  for (;;) {
    const rows = (await client.auditEvent.findMany({
      where: { seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: pageSize,
    })) as AuditRow[];
    if (rows.length === 0) break;
    for (const r of rows) {
      checked++;
      if (r.seq > expectedSeq) {
        const from = expectedSeq;
        const to = r.seq - 1;
        problems.push({
          seq: from,
          kind: "deleted",
          message: from === to ? `row ${from} was deleted` : `rows ${from}–${to} were deleted`,
        });
      }
      let selfConsistent = true;
      let parsedOk = true;
      try {
        selfConsistent = chainHash(r.prevHash, fieldsOf(r)) === r.hash;
      } catch {
        parsedOk = false;
        selfConsistent = false;
      }
      if (!selfConsistent) {
        // Content that hashes correctly under another position was moved there.
        const movedFrom = parsedOk
          ? [-3, -2, -1, 1, 2, 3]
              .map((d) => r.seq + d)
              .find((s) => s > 0 && chainHash(r.prevHash, fieldsOf(r, s)) === r.hash)
          : undefined;
        if (movedFrom !== undefined)
          problems.push({
            seq: r.seq,
            kind: "reordered",
            message: `row ${r.seq} holds the event recorded as row ${movedFrom}: rows were reordered`,
          });
        else
          problems.push({
            seq: r.seq,
            kind: "edited",
            message: `row ${r.seq} (${r.action} on ${r.targetType} ${r.targetId}) was edited: its content no longer matches its hash`,
          });
      } else if (r.prevHash !== prevHash && r.seq === expectedSeq && !(previousFlagged && seen.has(r.prevHash))) {
        problems.push({
          seq: r.seq,
          kind: "inserted",
          message: `row ${r.seq} does not follow row ${r.seq - 1}: it was inserted or the chain before it was rewritten`,
        });
      }
      previousFlagged = problems.length > 0 && problems[problems.length - 1]!.seq >= r.seq - 1;
      seen.add(r.hash);
      prevHash = r.hash;
      expectedSeq = r.seq + 1;
      head = { seq: r.seq, hash: r.hash };
      after = r.seq;
    }
  }
  return { ok: problems.length === 0, checked, head, problems };
}
