import { createHash } from "node:crypto";
import { canonicalJson } from "@/lib/audit/canonical";

/** The frozen part of a campaign item: what the population proof covers (decisions are not part of it). */
export interface FrozenItemFields {
  ordinal: number;
  principalId: string;
  principalType: string;
  principalKind: string;
  resourceType: string;
  resourceId: string;
  accessId: string;
  accessDetail: string | null;
  recommendation: string;
  recommendationReason: string;
}

/**
 * Incremental SHA-256 over the frozen item list, in ordinal order: one canonical JSON line per item.
 * The campaign stores the hex digest at start; a report recomputes it from the items to prove the population.
 */
export class ItemsHasher {
  private readonly h = createHash("sha256");
  private count = 0;
  add(i: FrozenItemFields): void {
    const line = canonicalJson({
      accessDetail: i.accessDetail,
      accessId: i.accessId,
      ordinal: i.ordinal,
      principalId: i.principalId,
      principalKind: i.principalKind,
      principalType: i.principalType,
      recommendation: i.recommendation,
      recommendationReason: i.recommendationReason,
      resourceId: i.resourceId,
      resourceType: i.resourceType,
    });
    this.h.update(line).update("\n");
    this.count++;
  }
  get size(): number {
    return this.count;
  }
  digest(): string {
    return this.h.digest("hex");
  }
}
