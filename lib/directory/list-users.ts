import "server-only";
import { containsPattern, inIds, parameters } from "@/lib/db/sql";
import { z } from "zod";
import { searchText } from "@/lib/input";
import type { Ctx } from "@/lib/db";
import { privilegedUsers } from "@/lib/dashboards/overview";

export const USER_FILTERS = ["all", "members", "guests", "disabled", "inactive", "nomfa", "privileged"] as const;
export const ZListUsers = z.object({
  q: searchText(),
  filter: z.enum(USER_FILTERS).catch("all"),
  /** For `inactive`: no sign-in for this many days (default 90). */
  days: z.coerce.number().int().min(1).max(3650).catch(90),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  sort: z.enum(["displayName", "lastSignInAt", "createdAt"]).catch("displayName"),
  dir: z.enum(["asc", "desc"]).catch("asc"),
});
export type TListUsers = z.infer<typeof ZListUsers>;

export interface UserRowDto {
  id: string;
  displayName: string;
  userPrincipalName: string;
  userType: string;
  accountEnabled: boolean;
  department: string | null;
  companyName: string | null;
  externalUserState: string | null;
  lastSignInAt: string | null;
  /** Registered for MFA (null: no registration record, e.g. disabled accounts or no licence). */
  mfaRegistered: boolean | null;
  /** Directory roles held, directly or through a group. */
  roles: string[];
}

export const PAGE_SIZE = 50;

/**
 * The WHERE clause for a user list, in SQL, so every filter (including "no MFA" and "privileged", which
 * need other tables) runs in the database for any tenant size. Search is case-insensitive on both engines.
 */
async function whereFor(
  ctx: Ctx,
  input: TListUsers,
): Promise<{ sql: string; params: unknown[]; p: (v: unknown) => string }> {
  const { db, tenantId } = ctx;
  const pg = ctx.dialect.engine === "postgresql";
  const now = ctx.now();
  const { values: params, p } = parameters(ctx.dialect);
  const parts = [`u."tenantId" = ${p(tenantId)}`];
  if (input.q) {
    const like = containsPattern(input.q);
    parts.push(
      `(${["displayName", "userPrincipalName", "mail"].map((c) => `LOWER(u."${c}") LIKE ${p(like)} ESCAPE '\\'`).join(" OR ")})`,
    );
  }
  if (input.filter === "members") parts.push(`u."userType" = 'Member'`);
  if (input.filter === "guests") parts.push(`u."userType" = 'Guest'`);
  if (input.filter === "disabled") parts.push(`u."accountEnabled" = ${ctx.dialect.bool(false)}`);
  if (input.filter === "inactive") {
    const cutoff = new Date(now.getTime() - input.days * 86_400_000);
    parts.push(
      `(u."lastSignInAt" IS NULL OR u."lastSignInAt" < ${p(pg ? cutoff : cutoff.toISOString().replace("Z", "+00:00"))})`,
    );
  }
  if (input.filter === "nomfa") {
    parts.push(
      `u."accountEnabled" = ${pg ? "true" : "1"} AND NOT EXISTS (SELECT 1 FROM "DirMfaRegistration" m WHERE m."userId" = u."id" AND m."isMfaRegistered" = ${pg ? "true" : "1"})`,
    );
  }
  if (input.filter === "privileged") {
    const ids = [...(await privilegedUsers(db, tenantId)).keys()];
    parts.push(inIds(ctx.dialect, p, 'u."id"', ids));
  }
  return { sql: parts.join(" AND "), params, p };
}

type DirUser = Awaited<ReturnType<Ctx["db"]["dirUser"]["findMany"]>>[number];
export type UserExportRow = Omit<DirUser, "lastSignInAt"> & UserRowDto;

const LIST_FIELDS = {
  id: true,
  displayName: true,
  userPrincipalName: true,
  userType: true,
  accountEnabled: true,
  department: true,
  companyName: true,
  externalUserState: true,
  lastSignInAt: true,
} as const;

async function decorate(ctx: Ctx, ids: string[], full: true): Promise<UserExportRow[]>;
async function decorate(ctx: Ctx, ids: string[], full?: false): Promise<UserRowDto[]>;
async function decorate(ctx: Ctx, ids: string[], full = false): Promise<UserRowDto[]> {
  const { db, tenantId } = ctx;
  if (ids.length === 0) return [];
  const [users, mfa, priv] = await Promise.all([
    full
      ? db.dirUser.findMany({ where: { id: { in: ids } } })
      : db.dirUser.findMany({ where: { id: { in: ids } }, select: LIST_FIELDS }),
    db.dirMfaRegistration.findMany({ where: { userId: { in: ids } }, select: { userId: true, isMfaRegistered: true } }),
    privilegedUsers(db, tenantId),
  ]);
  const roleNames = new Map(
    (await db.dirRoleDefinition.findMany({ where: { tenantId }, select: { id: true, displayName: true } })).map((r) => [
      r.id,
      r.displayName ?? r.id,
    ]),
  );
  const byId = new Map(users.map((u) => [u.id, u]));
  const mfaOf = new Map(mfa.map((m) => [m.userId, m.isMfaRegistered]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [
      {
        ...r,
        displayName: r.displayName ?? "",
        userPrincipalName: r.userPrincipalName ?? "",
        userType: r.userType ?? "Member",
        lastSignInAt: r.lastSignInAt?.toISOString() ?? null,
        mfaRegistered: mfaOf.get(id) ?? null,
        roles: [...(priv.get(id) ?? [])].map((x) => roleNames.get(x) ?? x).sort(),
      },
    ];
  });
}

/** Every matching user, 500 at a time (for exports): memory stays flat whatever the tenant's size. */
export async function* iterateUsers(ctx: Ctx, input: TListUsers): AsyncGenerator<UserExportRow[]> {
  const { db } = ctx;
  let after = "";
  for (;;) {
    const w = await whereFor(ctx, input);
    const ids = await db.$queryRawUnsafe<{ id: string }[]>(
      `SELECT u."id" AS id FROM "DirUser" u WHERE ${w.sql} AND u."id" > ${w.p(after)} ORDER BY u."id" LIMIT 500`,
      ...w.params,
    );
    if (ids.length === 0) return;
    yield await decorate(
      ctx,
      ids.map((r) => r.id),
      true,
    );
    after = ids[ids.length - 1]!.id;
  }
}

/** One page of the last complete sync's users, searched and filtered in the database (never all rows in memory). */
export async function listUsers(
  ctx: Ctx,
  input: TListUsers,
): Promise<{ rows: UserRowDto[]; total: number; pageSize: number }> {
  const { db } = ctx;
  const w = await whereFor(ctx, input);
  const countSql = `SELECT COUNT(*) AS n FROM "DirUser" u WHERE ${w.sql}`;
  const countParams = [...w.params];
  const order = `u."${input.sort}" ${input.dir === "asc" ? "ASC" : "DESC"}, u."id" ASC`;
  const pageSql = `SELECT u."id" AS id FROM "DirUser" u WHERE ${w.sql} ORDER BY ${order} LIMIT ${PAGE_SIZE} OFFSET ${(input.page - 1) * PAGE_SIZE}`;
  const [ids, count] = await Promise.all([
    db.$queryRawUnsafe<{ id: string }[]>(pageSql, ...w.params),
    db.$queryRawUnsafe<{ n: unknown }[]>(countSql, ...countParams),
  ]);
  return {
    total: Number(count[0]?.n ?? 0),
    pageSize: PAGE_SIZE,
    rows: await decorate(
      ctx,
      ids.map((r) => r.id),
    ),
  };
}
