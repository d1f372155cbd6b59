import { createHash } from "node:crypto";
import { TextBuffer } from "@/lib/db/text-buffer";

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
  private readonly buffer = new TextBuffer(1 << 16);
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
    this.addLine(
      `{"accessDetail":${accessDetail === null ? "null" : q(accessDetail)},"accessId":${q(accessId)},"ordinal":${ordinal},"principalId":${q(principalId)},"principalKind":${q(principalKind)},"principalType":${q(principalType)},"recommendation":${q(recommendation)},"recommendationReason":${q(recommendationReason)},"resourceId":${q(resourceId)},"resourceType":${q(resourceType)}}\n`,
    );
  }
  /**
   * A line the caller built in addValues' exact shape (keys sorted, strings through JSON.stringify, a newline at the
   * end) from fragments it quoted once each: the freeze's path for a million plain memberships (reports.test.ts
   * recomputes the digest from the stored items with addValues).
   */
  addLine(line: string): void {
    this.buffer.add(line);
    if (this.buffer.full) {
      this.h.update(this.buffer.peek());
      this.buffer.clear();
    }
    this.count++;
  }
  get size(): number {
    return this.count;
  }
  digest(): string {
    this.h.update(this.buffer.peek());
    this.buffer.clear();
    return this.h.digest("hex");
  }
}
