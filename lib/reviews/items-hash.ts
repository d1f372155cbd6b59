import { createHash } from "node:crypto";

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
  private buffer = "";
  add(i: FrozenItemFields): void {
    this.addValues(
      i.ordinal,
      i.principalId,
      i.principalType,
      i.principalKind,
      i.resourceType,
      i.resourceId,
      i.accessId,
      i.accessDetail,
      i.recommendation,
      i.recommendationReason,
    );
  }
  /** The same as add(), from the values (no object per item when freezing a million). */
  addValues(
    ordinal: number,
    principalId: string,
    principalType: string,
    principalKind: string,
    resourceType: string,
    resourceId: string,
    accessId: string,
    accessDetail: string | null,
    recommendation: string,
    recommendationReason: string,
  ): void {
    // The canonical JSON line, written out: keys in sorted order, strings escaped by JSON.stringify. Exactly
    // canonicalJson's bytes (items-hash.test.ts checks), without building an object per item.
    const q = JSON.stringify;
    this.buffer += `{"accessDetail":${accessDetail === null ? "null" : q(accessDetail)},"accessId":${q(accessId)},"ordinal":${ordinal},"principalId":${q(principalId)},"principalKind":${q(principalKind)},"principalType":${q(principalType)},"recommendation":${q(recommendation)},"recommendationReason":${q(recommendationReason)},"resourceId":${q(resourceId)},"resourceType":${q(resourceType)}}\n`;
    if (this.buffer.length > 1 << 16) {
      this.h.update(this.buffer);
      this.buffer = "";
    }
    this.count++;
  }
  get size(): number {
    return this.count;
  }
  digest(): string {
    this.h.update(this.buffer);
    this.buffer = "";
    return this.h.digest("hex");
  }
}
