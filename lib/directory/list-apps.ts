import "server-only";
import { containsPattern, parameters } from "@/lib/db/sql";
import { z } from "zod";
import { searchText } from "@/lib/input";
import type { Ctx } from "@/lib/db";

export const APP_FILTERS = ["all", "assigned", "assignmentRequired", "disabled"] as const;
export const ZListApps = z.object({
  q: searchText(),
  filter: z.enum(APP_FILTERS).catch("all"),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type TListApps = z.infer<typeof ZListApps>;

export interface AppRowDto {
  id: string;
  appId: string | null;
  displayName: string;
  accountEnabled: boolean;
  assignmentRequired: boolean;
  type: string | null;
  appRoles: number;
  users: number;
  groups: number;
}

export const APP_PAGE_SIZE = 50;

/** Enterprise apps (service principals) with how many users and groups are assigned, a page at a time. */
export async function listApps(
  ctx: Ctx,
  input: TListApps,
): Promise<{ rows: AppRowDto[]; total: number; pageSize: number }> {
  const { db, tenantId } = ctx;
  const pg = ctx.dialect.engine === "postgresql";
  const { values: params, p } = parameters(ctx.dialect);
  const where = [`s."tenantId" = ${p(tenantId)}`];
  if (input.q) where.push(`LOWER(s."displayName") LIKE ${p(containsPattern(input.q))} ESCAPE '\\'`);
  if (input.filter === "assigned")
    where.push(`EXISTS (SELECT 1 FROM "DirAppRoleAssignment" a WHERE a."resourceId" = s."id")`);
  if (input.filter === "assignmentRequired") where.push(`s."appRoleAssignmentRequired" = ${pg ? "true" : "1"}`);
  if (input.filter === "disabled") where.push(`s."accountEnabled" = ${pg ? "false" : "0"}`);
  const w = where.join(" AND ");
  const [idRows, count] = await Promise.all([
    db.$queryRawUnsafe<{ id: string }[]>(
      `SELECT s."id" AS id FROM "DirServicePrincipal" s WHERE ${w} ORDER BY s."displayName" ASC, s."id" ASC LIMIT ${APP_PAGE_SIZE} OFFSET ${(input.page - 1) * APP_PAGE_SIZE}`,
      ...params,
    ),
    db.$queryRawUnsafe<{ n: unknown }[]>(`SELECT COUNT(*) AS n FROM "DirServicePrincipal" s WHERE ${w}`, ...params),
  ]);
  const ids = idRows.map((r) => r.id);
  const [sps, counts] = await Promise.all([
    db.dirServicePrincipal.findMany({ where: { id: { in: ids } } }),
    db.dirAppRoleAssignment.groupBy({
      by: ["resourceId", "principalType"],
      where: { resourceId: { in: ids } },
      _count: { _all: true },
    }),
  ]);
  const byId = new Map(sps.map((s) => [s.id, s]));
  const n = (id: string, t: string) =>
    counts.find((c) => c.resourceId === id && c.principalType === t)?._count._all ?? 0;
  const roleCount = (json: string) => {
    try {
      return (JSON.parse(json) as unknown[]).length;
    } catch {
      return 0;
    }
  };
  return {
    total: Number(count[0]?.n ?? 0),
    pageSize: APP_PAGE_SIZE,
    rows: ids.flatMap((id) => {
      const s = byId.get(id);
      return s
        ? [
            {
              id,
              appId: s.appId,
              displayName: s.displayName ?? id,
              accountEnabled: s.accountEnabled,
              assignmentRequired: s.appRoleAssignmentRequired,
              type: s.servicePrincipalType,
              appRoles: roleCount(s.appRoles),
              users: n(id, "User"),
              groups: n(id, "Group"),
            },
          ]
        : [];
    }),
  };
}

/** The columns of the apps CSV export, in order. */
export const APP_CSV_COLUMNS = [
  "id",
  "appId",
  "displayName",
  "type",
  "accountEnabled",
  "assignmentRequired",
  "appRoles",
  "users",
  "groups",
] as const satisfies readonly (keyof AppRowDto)[];
