import "server-only";
import { z } from "zod";
import { db, type Prisma } from "@/lib/db";
import { isPostgres } from "@/lib/db/client";

export const GROUP_FILTERS = ["all", "security", "m365", "roleAssignable", "dynamic", "ownerless"] as const;
export const ZListGroups = z.object({
  q: z.string().trim().max(200).optional().default(""),
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

/** One page of groups with member and owner counts, counted in the database for that page only. */
export async function listGroups(tenantId: string, input: TListGroups): Promise<{ rows: GroupRowDto[]; total: number; pageSize: number }> {
  const where: Prisma.DirGroupWhereInput = { tenantId };
  if (input.q) where.displayName = { contains: input.q };
  if (input.filter === "security") where.kind = "security";
  if (input.filter === "m365") where.kind = "m365";
  if (input.filter === "roleAssignable") where.isAssignableToRole = true;
  if (input.filter === "dynamic") where.isDynamic = true;
  if (input.filter === "ownerless") {
    const rows = await db().$queryRawUnsafe<{ id: string }[]>(
      `SELECT g."id" AS id FROM "DirGroup" g WHERE g."tenantId" = ${isPostgres(process.env.DATABASE_URL ?? "") ? "$1" : "?"} AND NOT EXISTS (SELECT 1 FROM "DirGroupOwner" o WHERE o."groupId" = g."id")`,
      tenantId,
    );
    where.id = { in: rows.map((r) => r.id) };
  }
  const [groups, total] = await Promise.all([
    db().dirGroup.findMany({ where, orderBy: [{ displayName: "asc" }, { id: "asc" }], skip: (input.page - 1) * GROUP_PAGE_SIZE, take: GROUP_PAGE_SIZE, select: { id: true, displayName: true, kind: true, isAssignableToRole: true, isDynamic: true } }),
    db().dirGroup.count({ where }),
  ]);
  const ids = groups.map((g) => g.id);
  const [members, owners] = await Promise.all([
    db().dirGroupMember.groupBy({ by: ["groupId"], where: { groupId: { in: ids } }, _count: { _all: true } }),
    db().dirGroupOwner.groupBy({ by: ["groupId"], where: { groupId: { in: ids } }, _count: { _all: true } }),
  ]);
  const m = new Map(members.map((x) => [x.groupId, x._count._all]));
  const o = new Map(owners.map((x) => [x.groupId, x._count._all]));
  return { total, pageSize: GROUP_PAGE_SIZE, rows: groups.map((g) => ({ ...g, displayName: g.displayName ?? "", members: m.get(g.id) ?? 0, owners: o.get(g.id) ?? 0 })) };
}
