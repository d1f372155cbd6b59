/** The guest inventory: every external identity, its sponsors, state, activity and everything it holds. */
import { z } from "zod";
import type { Ctx } from "@/lib/db/context";
import { searchText } from "@/lib/input";
import type { Db, Prisma } from "@/lib/db/index";

export const GUEST_FILTERS = ["all", "pending", "inactive", "nosponsor", "privileged", "expiring"] as const;
export const ZGuestQuery = z.object({
  q: searchText(),
  filter: z.enum(GUEST_FILTERS).catch("all"),
  company: searchText(),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type GuestQuery = z.infer<typeof ZGuestQuery>;

export interface GuestRow {
  id: string;
  displayName: string | null;
  mail: string | null;
  companyName: string | null;
  employeeType: string | null;
  state: string | null;
  accountEnabled: boolean;
  createdAt: string | null;
  lastSignInAt: string | null;
  sponsors: string[];
  groups: number;
  apps: number;
  roles: number;
  expiresAt: string | null;
  expiryId: string | null;
}

export const GUEST_PAGE_SIZE = 50;
const INACTIVE_DAYS = 90;

async function privilegedIds(db: Db, tenantId: string): Promise<string[]> {
  const direct = await db.dirRoleAssignment.findMany({
    where: { tenantId, principalType: "user" },
    select: { principalId: true },
  });
  const viaGroups = await db.dirRoleAssignment.findMany({
    where: { tenantId, principalType: "group" },
    select: { principalId: true },
  });
  const members = viaGroups.length
    ? await db.dirGroupMember.findMany({
        where: { groupId: { in: viaGroups.map((g) => g.principalId) }, memberType: "user" },
        select: { memberId: true },
      })
    : [];
  return [...new Set([...direct.map((d) => d.principalId), ...members.map((m) => m.memberId)])];
}

function baseWhere(tenantId: string, q: GuestQuery, now: Date): Prisma.DirUserWhereInput {
  const and: Prisma.DirUserWhereInput[] = [];
  if (q.q)
    and.push({
      OR: [
        { displayName: { contains: q.q } },
        { mail: { contains: q.q } },
        { userPrincipalName: { contains: q.q } },
        { companyName: { contains: q.q } },
      ],
    });
  if (q.company) and.push({ companyName: q.company });
  if (q.filter === "pending") and.push({ externalUserState: "PendingAcceptance" });
  if (q.filter === "inactive")
    and.push({
      OR: [{ lastSignInAt: null }, { lastSignInAt: { lt: new Date(now.getTime() - INACTIVE_DAYS * 86_400_000) } }],
    });
  return { tenantId, userType: "Guest", ...(and.length ? { AND: and } : {}) };
}

/** Filters that depend on other tables: the set of matching ids (filtered in memory; id lists can exceed the driver's parameter cap). */
async function idFilter(db: Db, tenantId: string, filter: GuestQuery["filter"]): Promise<Set<string> | null> {
  if (filter === "nosponsor") {
    const sponsored = new Set(
      (await db.dirSponsor.findMany({ where: { tenantId }, select: { userId: true } })).map((s) => s.userId),
    );
    const guests = await db.dirUser.findMany({ where: { tenantId, userType: "Guest" }, select: { id: true } });
    return new Set(guests.map((g) => g.id).filter((id) => !sponsored.has(id)));
  }
  if (filter === "privileged") return new Set(await privilegedIds(db, tenantId));
  if (filter === "expiring")
    return new Set(
      (
        await db.accessExpiry.findMany({
          where: { tenantId, status: { in: ["scheduled", "partial", "executing"] } },
          select: { userId: true },
        })
      ).map((o) => o.userId),
    );
  return null;
}

async function byIds<T extends { id: string }>(ids: string[], load: (part: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += 500) out.push(...(await load(ids.slice(i, i + 500))));
  const order = new Map(ids.map((id, k) => [id, k]));
  return out.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

export async function listGuests(
  ctx: Ctx,
  q: GuestQuery,
  opts: { all?: boolean } = {},
): Promise<{ rows: GuestRow[]; total: number; companies: string[] }> {
  const { db, tenantId } = ctx;
  const now = ctx.now();
  const where = baseWhere(tenantId, q, now);
  const only = await idFilter(db, tenantId, q.filter);
  const skip = opts.all ? 0 : (q.page - 1) * GUEST_PAGE_SIZE;
  const take = opts.all ? 50_000 : GUEST_PAGE_SIZE;
  let total: number;
  let users: Awaited<ReturnType<Db["dirUser"]["findMany"]>>;
  if (only) {
    const ids = (
      await db.dirUser.findMany({ where, orderBy: [{ displayName: "asc" }, { id: "asc" }], select: { id: true } })
    )
      .map((u) => u.id)
      .filter((id) => only.has(id));
    total = ids.length;
    users = await byIds(ids.slice(skip, skip + take), (part) => db.dirUser.findMany({ where: { id: { in: part } } }));
  } else {
    [total, users] = await Promise.all([
      db.dirUser.count({ where }),
      db.dirUser.findMany({ where, orderBy: [{ displayName: "asc" }, { id: "asc" }], skip, take }),
    ]);
  }
  const companies = await db.dirUser.groupBy({
    by: ["companyName"],
    where: { tenantId, userType: "Guest", companyName: { not: null } },
    orderBy: { companyName: "asc" },
  });
  const ids = users.map((u) => u.id);
  const rows: GuestRow[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const [sponsors, groups, apps, roles, expiries] = await Promise.all([
      db.dirSponsor.findMany({ where: { userId: { in: part } } }),
      db.dirGroupMember.groupBy({ by: ["memberId"], where: { memberId: { in: part } }, _count: { _all: true } }),
      db.dirAppRoleAssignment.groupBy({
        by: ["principalId"],
        where: { principalId: { in: part } },
        _count: { _all: true },
      }),
      db.dirRoleAssignment.groupBy({
        by: ["principalId"],
        where: { principalId: { in: part } },
        _count: { _all: true },
      }),
      db.accessExpiry.findMany({
        where: { userId: { in: part }, status: { in: ["scheduled", "partial", "executing"] } },
        select: { id: true, userId: true, expiresAt: true },
      }),
    ]);
    const sponsorNames = new Map(
      (
        await db.dirUser.findMany({
          where: { id: { in: [...new Set(sponsors.map((x) => x.sponsorId))] } },
          select: { id: true, displayName: true },
        })
      ).map((u) => [u.id, u.displayName ?? u.id]),
    );
    for (const u of users.slice(i, i + 500)) {
      rows.push({
        id: u.id,
        displayName: u.displayName,
        mail: u.mail,
        companyName: u.companyName,
        employeeType: u.employeeType,
        state: u.externalUserState,
        accountEnabled: u.accountEnabled,
        createdAt: u.createdAt?.toISOString() ?? null,
        lastSignInAt: u.lastSignInAt?.toISOString() ?? null,
        sponsors: sponsors.filter((s) => s.userId === u.id).map((s) => sponsorNames.get(s.sponsorId) ?? s.sponsorId),
        groups: groups.find((g) => g.memberId === u.id)?._count._all ?? 0,
        apps: apps.find((g) => g.principalId === u.id)?._count._all ?? 0,
        roles: roles.find((g) => g.principalId === u.id)?._count._all ?? 0,
        expiresAt: expiries.find((e) => e.userId === u.id)?.expiresAt.toISOString() ?? null,
        expiryId: expiries.find((e) => e.userId === u.id)?.id ?? null,
      });
    }
  }
  return { rows, total, companies: companies.map((c) => c.companyName!).filter(Boolean) };
}
