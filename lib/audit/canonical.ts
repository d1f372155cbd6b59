import { createHash } from "node:crypto";

/**
 * Canonical JSON (RFC 8785 in spirit): object keys sorted, no whitespace, no undefined. The same event
 * always hashes to the same bytes, whichever engine stored it and in whatever key order.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("canonicalJson: non-finite number");
    return JSON.stringify(value ?? null);
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export const GENESIS_HASH = "0".repeat(64);

export interface ChainedFields {
  seq: number;
  at: string;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
  context: unknown;
}

/** hash(n) = SHA-256(hash(n-1) ‖ canonical(event n)): editing, deleting, inserting or reordering any row breaks every later link. */
export function chainHash(prevHash: string, fields: ChainedFields): string {
  return createHash("sha256").update(prevHash).update("\n").update(canonicalJson(fields)).digest("hex");
}
