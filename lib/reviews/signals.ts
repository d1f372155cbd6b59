/**
 * Reviewer-behaviour signals (#17): how each reviewer decided, so an auditor can see rubber-stamping instead of
 * trusting that every "approve" was looked at. Per reviewer: items decided, the median time between consecutive
 * decisions, the share decided in bulk, and approvals of access Recert recommended revoking. A reviewer past a rule
 * below is listed as "possible rubber-stamping", with the rule in words. Admin sign-offs (forced) are not counted:
 * they are the admin's, audited on their own.
 */
import type { Db } from "@/lib/db";

export const SIGNAL_RULES = {
  /** Rules about pace and bulk apply from this many decisions on. */
  minDecisions: 10,
  /** A median gap under this many seconds between decisions. */
  fastMedianSeconds: 5,
  /** This share or more of the reviewer's decisions made in bulk. */
  bulkShare: 0.8,
  /** Approving this many or more of the accesses Recert recommended revoking … */
  minAgainstRevoke: 3,
  /** … and at least this share of them. */
  againstRevokeShare: 0.5,
} as const;

export interface ReviewerSignal {
  reviewerId: string;
  name: string | null;
  decided: number;
  /** null under two decisions. */
  medianGapSeconds: number | null;
  bulkShare: number;
  revokeRecommended: number;
  approvedAgainstRevoke: number;
  /** Each rule the reviewer is past, in words; empty when none. */
  flags: string[];
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Fed each item once (a report's single pass over the items), then the signals of every reviewer. */
export class SignalsCollector {
  private readonly by = new Map<
    string,
    { name: string | null; at: number[]; bulk: number; revokeRec: number; against: number }
  >();
  add(r: {
    decidedById: string | null;
    decidedByName: string | null;
    decidedAt: Date | null;
    decisionVia: string | null;
    decision: string | null;
    recommendation: string;
  }): void {
    if (!r.decidedById || r.decisionVia === "forced" || !r.decidedAt) return;
    const e = this.by.get(r.decidedById) ?? { name: r.decidedByName, at: [], bulk: 0, revokeRec: 0, against: 0 };
    e.at.push(r.decidedAt.getTime());
    if (r.decisionVia === "bulk" || r.decisionVia === "recommendation") e.bulk++;
    if (r.recommendation === "revoke") {
      e.revokeRec++;
      if (r.decision === "approve") e.against++;
    }
    this.by.set(r.decidedById, e);
  }
  result(): ReviewerSignal[] {
    return signalsOf(this.by);
  }
}

export async function reviewerSignals(db: Pick<Db, "campaignItem">, campaignId: string): Promise<ReviewerSignal[]> {
  const collector = new SignalsCollector();
  let after = 0;
  for (;;) {
    const rows = await db.campaignItem.findMany({
      where: { campaignId, ordinal: { gt: after }, decidedById: { not: null } },
      orderBy: { ordinal: "asc" },
      take: 10_000,
      select: {
        ordinal: true,
        decidedById: true,
        decidedByName: true,
        decidedAt: true,
        decisionVia: true,
        decision: true,
        recommendation: true,
      },
    });
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.ordinal;
    for (const r of rows) collector.add(r);
  }
  return collector.result();
}

function signalsOf(
  by: Map<string, { name: string | null; at: number[]; bulk: number; revokeRec: number; against: number }>,
): ReviewerSignal[] {
  const R = SIGNAL_RULES;
  return [...by.entries()]
    .map(([reviewerId, e]) => {
      const at = e.at.sort((a, b) => a - b);
      const gaps = at.slice(1).map((t, i) => (t - at[i]!) / 1000);
      const decided = at.length;
      const medianGapSeconds = median(gaps);
      const bulkShare = decided ? e.bulk / decided : 0;
      const flags: string[] = [];
      if (decided >= R.minDecisions && medianGapSeconds !== null && medianGapSeconds < R.fastMedianSeconds)
        flags.push(
          `decided ${decided} items with a median of ${medianGapSeconds.toFixed(1)} s between decisions (rule: ${R.minDecisions} or more decisions and a median under ${R.fastMedianSeconds} s)`,
        );
      if (decided >= R.minDecisions && bulkShare >= R.bulkShare)
        flags.push(
          `decided ${pct(bulkShare)} of ${decided} items in bulk (rule: ${R.minDecisions} or more decisions and ${pct(R.bulkShare)} or more in bulk)`,
        );
      if (e.against >= R.minAgainstRevoke && e.against / e.revokeRec >= R.againstRevokeShare)
        flags.push(
          `approved ${e.against} of the ${e.revokeRec} accesses Recert recommended revoking (rule: ${R.minAgainstRevoke} or more, and ${pct(R.againstRevokeShare)} or more of them)`,
        );
      return {
        reviewerId,
        name: e.name,
        decided,
        medianGapSeconds,
        bulkShare,
        revokeRecommended: e.revokeRec,
        approvedAgainstRevoke: e.against,
        flags,
      };
    })
    .sort((a, b) => b.flags.length - a.flags.length || b.decided - a.decided);
}
