import { createHash } from "node:crypto";
import type { Row } from "./sql";
import { allColumns, type TableSpec } from "./tables";

/**
 * A digest of the rows a run staged for some tables, whatever order they came in ($batch answers arrive in any
 * order): each row's SHA-256 over its table and its values in column order, the hashes sorted, then hashed together.
 * Equal digests mean equal staged sets, so a kind Graph lists whole on every run (enterprise apps and their
 * assignments, which have no delta query) need not be written again when nothing in it changed since the last apply.
 */
export class RowDigest {
  private readonly hashes: Buffer[] = [];

  add(spec: TableSpec, rows: Row[]): void {
    const cols = allColumns(spec).map((c) => c.name);
    for (const r of rows)
      this.hashes.push(
        createHash("sha256")
          .update(spec.live)
          .update("\0")
          .update(JSON.stringify(cols.map((c) => r[c] ?? null)))
          .digest(),
      );
  }

  digest(): string {
    const h = createHash("sha256");
    for (const b of this.hashes.sort(Buffer.compare)) h.update(b);
    return `${this.hashes.length}:${h.digest("hex")}`;
  }
}
