/**
 * The path of an item held through nested groups (#19), as freeze stores it in the item's accessId: the group ids from
 * the reviewed group down to the group the person is a direct member of, joined by ">" ("A>B": A is nested in the
 * reviewed group, B in A, the person in B). Pure: freeze, apply and the review page share it.
 */

/** What a reviewer may choose to remove when revoking such an item. */
export const REVOKE_VIA = ["member", "nesting"] as const;
export type RevokeVia = (typeof REVOKE_VIA)[number];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function formatNestedPath(groupIds: string[]): string {
  return groupIds.join(">");
}

/** The path's group ids, or null when the text is not such a path (never guessed: a wrong id removes the wrong link). */
export function parseNestedPath(accessId: string): string[] | null {
  const ids = accessId.split(">");
  return ids.length > 0 && ids.every((id) => GUID.test(id)) ? ids : null;
}

/**
 * The one membership a choice removes: "member" takes the person out of the last group of the path (where they are a
 * direct member), "nesting" takes the first group of the path out of the reviewed group.
 */
export function nestedLink(
  item: { principalId: string; resourceId: string; accessId: string },
  via: RevokeVia,
): { groupId: string; memberId: string } | null {
  const ids = parseNestedPath(item.accessId);
  if (!ids) return null;
  return via === "member"
    ? { groupId: ids[ids.length - 1]!, memberId: item.principalId }
    : { groupId: item.resourceId, memberId: ids[0]! };
}

/**
 * Appended by freeze to a nested item's path ("via A → B (and 1 other path)") when the person reaches the group through
 * more than one nested group: removing one membership of the stored path would not end the access, so apply leaves
 * such an item to an admin whatever the reviewer chose.
 */
export const otherPathsNote = (n: number): string => ` (and ${n} other path${n === 1 ? "" : "s"})`;
export const hasOtherPaths = (accessDetail: string | null): boolean =>
  / \(and \d+ other paths?\)$/.test(accessDetail ?? "");
/** The path's group names as freeze wrote them, without "via " and the other-paths note. */
export const pathNames = (accessDetail: string | null): string[] =>
  (accessDetail ?? "")
    .replace(/^via /, "")
    .replace(/ \(and \d+ other paths?\)$/, "")
    .split(" → ")
    .filter(Boolean);
