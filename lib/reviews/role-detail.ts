/**
 * The access detail of a directory-role item (#19): "active", "active until 2027-01-31", "eligible" or "eligible until …",
 * then " · tenant-wide" or " · scope <directoryScopeId>". Freeze writes it once and the item keeps it; apply reads the
 * state and the scope back from it to name the PIM schedule it removes. One module writes and reads it, and a detail it
 * cannot read is refused (never taken as tenant-wide, which could name another grant).
 */
export interface RoleDetail {
  state: "active" | "eligible";
  /** The schedule's end (YYYY-MM-DD), or null when permanent. */
  until: string | null;
  /** directoryScopeId: "/" for the whole tenant. */
  scope: string;
}

export function formatRoleDetail(d: RoleDetail): string {
  return `${d.state}${d.until ? ` until ${d.until}` : ""} · ${d.scope === "/" ? "tenant-wide" : `scope ${d.scope}`}`;
}

const DETAIL = /^(active|eligible)(?: until (\d{4}-\d{2}-\d{2}))? · (?:(tenant-wide)|scope (.+))$/;

export function parseRoleDetail(detail: string | null): RoleDetail | null {
  const m = DETAIL.exec(detail ?? "");
  if (!m) return null;
  return { state: m[1] as RoleDetail["state"], until: m[2] ?? null, scope: m[3] ? "/" : m[4]! };
}
