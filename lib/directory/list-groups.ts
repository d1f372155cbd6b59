import "server-only";
import { containsPattern, parameters } from "@/lib/db/sql";
import { z } from "zod";
import { searchText } from "@/lib/input";
import type { Ctx } from "@/lib/db";

export const GROUP_FILTERS = ["all", "security", "m365", "roleAssignable", "dynamic", "ownerless"] as const;
export const ZListGroups = z.object({
  q: searchText(),
  filter: z.enum(GROUP_FILTERS).catch("all"),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type TListGroups = z.infer<typeof ZListGroups>;

export interface GroupRowDto {
  id: string;
  displayName: string;
  kind: string;
  isAssignableToRole: boolean;
  isDynamic: boolean;
  members: number;
  owners: number;
}

export const GROUP_PAGE_SIZE = 50;

/** One page of groups with member and owner counts; filters and search run in the database (any tenant size). */
export async function listGroups(
  ctx: Ctx,
  input: TListGroups,
): Promise<{ rows: GroupRowDto[]; total: number; pageSize: number }> {
  const { db, tenantId } = ctx;
  const pg = ctx.dialect.engine === "postgresql";
  const { values: params, p } = parameters(ctx.dialect);
  const where = [`g."tenantId" = ${p(tenantId)}`];
  const T = pg ? "true" : "1";
  if (input.q) where.push(`LOWER(g."displayName") LIKE ${p(containsPattern(input.q))} ESCAPE '\\'`);
  if (input.filter === "security") where.push(`g."kind" = 'security'`);
  if (input.filter === "m365") where.push(`g."kind" = 'm365'`);
  if (input.filter === "roleAssignable") where.push(`g."isAssignableToRole" = ${T}`);
  if (input.filter === "dynamic") where.push(`g."isDynamic" = ${T}`);
  if (input.filter === "ownerless")
    where.push(`NOT EXISTS (SELECT 1 FROM "DirGroupOwner" o WHERE o."groupId" = g."id")`);
  const w = where.join(" AND ");
  const [idRows, count] = await Promise.all([
    db.$queryRawUnsafe<{ id: string }[]>(
      `SELECT g."id" AS id FROM "DirGroup" g WHERE ${w} ORDER BY g."displayName" ASC, g."id" ASC LIMIT ${GROUP_PAGE_SIZE} OFFSET ${(input.page - 1) * GROUP_PAGE_SIZE}`,
      ...params,
    ),
    db.$queryRawUnsafe<{ n: unknown }[]>(`SELECT COUNT(*) AS n FROM "DirGroup" g WHERE ${w}`, ...params),
  ]);
  const ids = idRows.map((r) => r.id);
  const [groups, members, owners] = await Promise.all([
    db.dirGroup.findMany({
      where: { id: { in: ids } },
      select: { id: true, displayName: true, kind: true, isAssignableToRole: true, isDynamic: true },
    }),
    db.dirGroupMember.groupBy({ by: ["groupId"], where: { groupId: { in: ids } }, _count: { _all: true } }),
    db.dirGroupOwner.groupBy({ by: ["groupId"], where: { groupId: { in: ids } }, _count: { _all: true } }),
  ]);
  const byId = new Map(groups.map((g) => [g.id, g]));
  const m = new Map(members.map((x) => [x.groupId, x._count._all]));
  const o = new Map(owners.map((x) => [x.groupId, x._count._all]));
  return {
    total: Number(count[0]?.n ?? 0),
    pageSize: GROUP_PAGE_SIZE,
    rows: ids.flatMap((id) => {
      const g = byId.get(id);
      return g ? [{ ...g, displayName: g.displayName ?? "", members: m.get(id) ?? 0, owners: o.get(id) ?? 0 }] : [];
    }),
  };
}

/** The columns of the groups CSV export, in order. */
export const GROUP_CSV_COLUMNS = [
  "id",
  "displayName",
  "kind",
  "isAssignableToRole",
  "isDynamic",
  "members",
  "owners",
] as const satisfies readonly (keyof GroupRowDto)[];
