/**
 * The chain checked against what was said about it before (#17). A chain walk alone cannot see a cut tail, nor a
 * rewrite that recomputed every later hash: both leave a self-consistent chain. They can be seen against
 *   - the signed checkpoints (each names a sequence and the head hash it had; only the signing key makes one),
 *   - every closed campaign's stored head (Campaign.chainHead, taken at close),
 *   - a head the auditor holds from an earlier export (`npm run audit:verify -- --head <seq>:<hash>`).
 * A checkpoint not signed by the installation's certificate is itself a finding: someone wrote it without the key.
 */
import type { Db } from "@/lib/db";
import { checkCheckpoint, type CheckpointPayload } from "./checkpoint";
import { type ChainProblem, type ChainReport, verifyChain } from "./verify-chain";

export interface AnchorOptions {
  /** SHA-256 fingerprint (hex) of the certificate checkpoints must be signed by: the installation's, or one given. */
  trustedFingerprint: string;
  /** A head the auditor holds. */
  expectedHead?: { seq: number; hash: string };
}

export interface EvidenceChainReport extends ChainReport {
  anchors: {
    checkpoints: number;
    latestCheckpoint: CheckpointPayload | null;
    campaignHeads: number;
    expectedHead: boolean;
  };
}

type EvidenceDb = Pick<Db, "auditEvent" | "auditCheckpoint" | "campaign">;

export async function verifyEvidenceChain(db: EvidenceDb, o: AnchorOptions): Promise<EvidenceChainReport> {
  const chain = await verifyChain(db);
  const problems: ChainProblem[] = [...chain.problems];
  const end = chain.head.seq;
  const hashAt = async (seqs: number[]) => {
    const out = new Map<number, string>();
    for (let i = 0; i < seqs.length; i += 500) {
      const rows = await db.auditEvent.findMany({
        where: { seq: { in: seqs.slice(i, i + 500) } },
        select: { seq: true, hash: true },
      });
      for (const r of rows) out.set(r.seq, r.hash);
    }
    return out;
  };
  const anchor = (what: string, seq: number, hash: string, have: Map<number, string>) => {
    if (seq > end)
      problems.push({
        seq,
        kind: "truncated",
        message: `${what} names event ${seq}, but the chain ends at ${end}: ${end + 1 === seq ? `event ${seq} was` : `events ${end + 1}–${seq} were`} removed`,
      });
    else if (have.has(seq) && have.get(seq) !== hash)
      problems.push({
        seq,
        kind: "rewritten",
        message: `${what} names event ${seq} with hash ${hash.slice(0, 16)}…, the chain has ${have.get(seq)!.slice(0, 16)}… there: the chain was rewritten`,
      });
  };

  // Signed checkpoints: each must be signed by the trusted certificate and match the chain.
  const stored = await db.auditCheckpoint.findMany({ orderBy: { id: "asc" } });
  const valid: CheckpointPayload[] = [];
  for (const c of stored) {
    const r = await checkCheckpoint(c.jws, o.trustedFingerprint);
    if (!r.ok) {
      problems.push({
        seq: c.seq,
        kind: "checkpoint",
        message: `checkpoint ${c.id} (event ${c.seq}) is not valid: ${r.reason}`,
      });
      continue;
    }
    if (r.payload.seq !== c.seq || r.payload.hash !== c.headHash)
      problems.push({
        seq: c.seq,
        kind: "checkpoint",
        message: `checkpoint ${c.id}'s columns differ from what it signed`,
      });
    valid.push(r.payload);
  }
  const cpHashes = await hashAt(valid.map((p) => p.seq));
  for (const p of valid) anchor(`The checkpoint of ${p.at} (${p.reason})`, p.seq, p.hash, cpHashes);

  // Every closed campaign's head at close must still be in the chain.
  const campaigns = await db.campaign.findMany({
    where: { chainHead: { not: null } },
    select: { id: true, name: true, chainHead: true },
  });
  for (const c of campaigns) {
    const row = await db.auditEvent.findUnique({ where: { hash: c.chainHead! }, select: { seq: true } });
    if (!row)
      problems.push({
        seq: end + 1,
        kind: "rewritten",
        message: `campaign "${c.name}" closed with chain head ${c.chainHead!.slice(0, 16)}…, which is no longer in the chain: it was cut or rewritten`,
      });
  }

  // A head the auditor holds.
  if (o.expectedHead)
    anchor("The head you hold", o.expectedHead.seq, o.expectedHead.hash, await hashAt([o.expectedHead.seq]));

  problems.sort((a, b) => a.seq - b.seq);
  return {
    ...chain,
    ok: problems.length === 0,
    problems,
    anchors: {
      checkpoints: valid.length,
      latestCheckpoint: valid.at(-1) ?? null,
      campaignHeads: campaigns.length,
      expectedHead: Boolean(o.expectedHead),
    },
  };
}
