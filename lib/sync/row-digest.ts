import { createHash, hash } from "node:crypto";
import type { Row } from "./sql";
import { allColumns, type TableSpec } from "./tables";

/**
 * A digest of the rows a run staged for some tables, whatever order they came in ($batch answers arrive in any
 * order): each row's SHA-256 over its table and its values in column order, the hashes sorted, then hashed together.
 * Equal digests mean equal staged sets, so a kind Graph lists whole on every run (enterprise apps and their
 * assignments, which have no delta query) need not be written again when nothing in it changed since the last apply.
 */
export class RowDigest {
  private readonly hashes: string[] = [];

  add(spec: TableSpec, rows: Row[]): void {
    const cols = allColumns(spec).map((c) => c.name);
    // One-shot hashes as hex strings, sorted by the engine's own string order: a Hash object per row and Buffers sorted
    // with Buffer.compare took 570 ms of CPU for a 100k tenant's 46,565 app role assignments on every sync, these 135 ms (#20).
    for (const r of rows)
      this.hashes.push(hash("sha256", `${spec.live}\0${JSON.stringify(cols.map((c) => r[c] ?? null))}`, "hex"));
  }

  digest(): string {
    const h = createHash("sha256");
    for (const s of this.hashes.sort()) h.update(s);
    return `${this.hashes.length}:${h.digest("hex")}`;
  }
}
