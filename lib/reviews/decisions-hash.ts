/**
 * The decisions hash (#17): SHA-256 over the canonical list of a campaign's decisions, one JSON line per item in
 * ordinal order: item id, decision, reviewer, time, justification, and how it was decided. Computed at close into the
 * campaign.close audit event (so the chain holds it), shown on the report's cover, and recomputed by
 * `npm run audit:verify`, which names the first item whose decision no longer matches the report frozen at close.
 */
import { createHash } from "node:crypto";
import type { Db } from "@/lib/db";
import { artifactContent } from "@/lib/db/blobs";

interface DecisionRow {
  ordinal: number;
  id: string;
  decision: string | null;
  decidedById: string | null;
  decidedAt: Date | null;
  justification: string | null;
  decisionVia: string | null;
}

const SELECT = {
  ordinal: true,
  id: true,
  decision: true,
  decidedById: true,
  decidedAt: true,
  justification: true,
  decisionVia: true,
} as const;

export const decisionLine = (i: DecisionRow) =>
  JSON.stringify([
    i.ordinal,
    i.id,
    i.decision,
    i.decidedById,
    i.decidedAt?.toISOString() ?? null,
    i.justification,
    i.decisionVia,
  ]);

async function* decisionRows(db: Pick<Db, "campaignItem">, campaignId: string): AsyncGenerator<DecisionRow[]> {
  let after = 0;
  for (;;) {
    const rows = await db.campaignItem.findMany({
      where: { campaignId, ordinal: { gt: after } },
      orderBy: { ordinal: "asc" },
      take: 10_000,
      select: SELECT,
    });
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.ordinal;
    yield rows;
  }
}

/** Fed each item in ordinal order (a report's single pass over the items), then the decisions hash. */
export class DecisionsHasher {
  private readonly h = createHash("sha256");
  add(r: DecisionRow): void {
    this.h.update(`${decisionLine(r)}\n`);
  }
  digest(): string {
    return this.h.digest("hex");
  }
}

export async function decisionsHash(db: Pick<Db, "campaignItem">, campaignId: string): Promise<string> {
  const h = new DecisionsHasher();
  for await (const rows of decisionRows(db, campaignId)) for (const r of rows) h.add(r);
  return h.digest();
}

export interface DecisionProblem {
  campaignId: string;
  campaignName: string;
  message: string;
}

/**
 * Every closed campaign's decisions against the hash recorded at close; for one that differs, the first item that no
 * longer matches the JSON report frozen at close (when there is one).
 */
export async function verifyDecisions(
  db: Pick<Db, "campaign" | "campaignItem" | "auditEvent" | "reportArtifact" | "$queryRawUnsafe" | "$executeRawUnsafe">,
): Promise<{ checked: number; problems: DecisionProblem[] }> {
  const problems: DecisionProblem[] = [];
  const closes = await db.auditEvent.findMany({
    where: { action: "campaign.close" },
    select: { targetId: true, after: true },
  });
  let checked = 0;
  for (const ev of closes) {
    const recorded = (JSON.parse(ev.after ?? "{}") as { decisionsHash?: string }).decisionsHash;
    if (!recorded) continue; // closed before decisions were hashed
    const c = await db.campaign.findUnique({ where: { id: ev.targetId }, select: { id: true, name: true } });
    if (!c) {
      problems.push({
        campaignId: ev.targetId,
        campaignName: "?",
        message: `the closed campaign ${ev.targetId} is gone`,
      });
      continue;
    }
    checked++;
    if ((await decisionsHash(db, c.id)) === recorded) continue;
    let detail = "no report was frozen at close to name the item";
    const frozen = await db.reportArtifact.findUnique({
      where: { campaignId_stage_file: { campaignId: c.id, stage: "closed", file: "report.json" } },
    });
    const bytes = frozen ? await artifactContent(db, frozen) : null;
    if (bytes) {
      const items = (JSON.parse(bytes.toString("utf8")) as { items: Record<string, unknown>[] }).items;
      const at = new Map(items.map((i) => [Number(i.ordinal), i]));
      outer: for await (const rows of decisionRows(db, c.id))
        for (const r of rows) {
          const f = at.get(r.ordinal);
          const now = {
            reviewerId: r.decidedById ?? "",
            decidedAt: r.decidedAt?.toISOString() ?? "",
            justification: r.justification ?? "",
          };
          if (
            !f ||
            f.reviewerId !== now.reviewerId ||
            f.decidedAt !== now.decidedAt ||
            f.justification !== now.justification ||
            (r.decision ?? null) !== decisionOf(f)
          ) {
            detail = `item #${r.ordinal} (${String(f?.principalUpn || f?.principal || r.id)} on ${String(f?.resource ?? "?")}) no longer matches the report frozen at close`;
            break outer;
          }
        }
    }
    problems.push({
      campaignId: c.id,
      campaignName: c.name,
      message: `campaign "${c.name}": its decisions no longer match the hash recorded at close: ${detail}`,
    });
  }
  return { checked, problems };
}

const LABELS: Record<string, string> = {
  Approve: "approve",
  Revoke: "revoke",
  "Don't know": "dontknow",
  "Not reviewed": "",
};
function decisionOf(f: Record<string, unknown>): string | null {
  const v = LABELS[String(f.decision)] ?? String(f.decision);
  return v === "" ? null : v;
}
