import "server-only";
import { z } from "zod";
import { db, type Prisma } from "@/lib/db";

export const USER_FILTERS = ["all", "members", "guests", "disabled", "inactive"] as const;
export const ZListUsers = z.object({
  q: z.string().trim().max(200).optional().default(""),
  filter: z.enum(USER_FILTERS).catch("all"),
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
}

export const PAGE_SIZE = 50;
const INACTIVE_DAYS = 90;

function whereFor(tenantId: string, input: TListUsers, now: Date): Prisma.DirUserWhereInput {
  const where: Prisma.DirUserWhereInput = { tenantId };
  if (input.q) where.OR = [{ displayName: { contains: input.q } }, { userPrincipalName: { contains: input.q } }, { mail: { contains: input.q } }];
  if (input.filter === "members") where.userType = "Member";
  if (input.filter === "guests") where.userType = "Guest";
  if (input.filter === "disabled") where.accountEnabled = false;
  if (input.filter === "inactive") {
    const cutoff = new Date(now.getTime() - INACTIVE_DAYS * 86_400_000);
    where.AND = [{ OR: [{ lastSignInAt: null }, { lastSignInAt: { lt: cutoff } }] }];
  }
  return where;
}

/** Every matching user, a page at a time (for exports): memory stays flat whatever the tenant's size. */
export async function* iterateUsers(tenantId: string, input: TListUsers, now = new Date()) {
  const where = whereFor(tenantId, input, now);
  let cursor: string | undefined;
  for (;;) {
    const rows = await db().dirUser.findMany({ where, orderBy: { id: "asc" }, take: 1000, ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}) });
    if (rows.length === 0) return;
    yield rows;
    cursor = rows[rows.length - 1]!.id;
  }
}

/** One page of the last complete sync's users, searched and filtered in the database (never all rows in memory). */
export async function listUsers(tenantId: string, input: TListUsers, now = new Date()): Promise<{ rows: UserRowDto[]; total: number; pageSize: number }> {
  const where = whereFor(tenantId, input, now);
  const [rows, total] = await Promise.all([
    db().dirUser.findMany({
      where,
      orderBy: [{ [input.sort]: input.dir }, { id: "asc" }],
      skip: (input.page - 1) * PAGE_SIZE,
      take: PAGE_SIZE,
      select: { id: true, displayName: true, userPrincipalName: true, userType: true, accountEnabled: true, department: true, companyName: true, externalUserState: true, lastSignInAt: true },
    }),
    db().dirUser.count({ where }),
  ]);
  return {
    total,
    pageSize: PAGE_SIZE,
    rows: rows.map((r) => ({ ...r, displayName: r.displayName ?? "", userPrincipalName: r.userPrincipalName ?? "", userType: r.userType ?? "Member", lastSignInAt: r.lastSignInAt?.toISOString() ?? null })),
  };
}
