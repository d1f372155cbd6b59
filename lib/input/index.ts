/**
 * Input hygiene shared by every server action and page: NUL characters never reach the database
 * (PostgreSQL refuses them in text; SQLite would store them and truncate them in some clients).
 */
import { z } from "zod";

/** A copy of `value` with NUL characters removed from every string, at any depth (plain data only). */
export function stripNul<T>(value: T): T {
  if (typeof value === "string") return value.replace(/\0/g, "") as T;
  if (Array.isArray(value)) return value.map(stripNul) as T;
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = stripNul(v);
    return out as T;
  }
  return value;
}

/** A search box from the URL: trimmed, NUL-free, at most `max` characters; anything else becomes "" (never an error page). */
export const searchText = (max = 200) =>
  z
    .string()
    .transform((s) => s.replace(/\0/g, "").trim())
    .pipe(z.string().max(max))
    .catch("");
