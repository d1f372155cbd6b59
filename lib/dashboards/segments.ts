/** The users behind a dashboard figure ("segment"), admins without MFA first, for the list page and its CSV. */
import { z } from "zod";
import type { Ctx } from "@/lib/db/context";
import type { Db, Prisma } from "@/lib/db/index";
import { coverageByUser, INACTIVE_DAYS, METHOD_LABEL, privilegedUsers } from "./overview";
import { BUCKET_LABEL, type Bucket } from "./policy-coverage";

export const ZSegment = z
  .string()
  .max(200)
  .regex(
    /^(bucket:[A-Za-z]+|mfa:(all|member|guest|admin|other|dept=[^:]{1,100}):(registered|notRegistered)|method:[A-Za-z0-9]+|hygiene:(inactiveWithAccess|disabledInGroups|privileged|privilegedNoMfa))$/,
    "Unknown segment.",
  );

export interface SegmentUser {
  id: string;
  displayName: string | null;
  userPrincipalName: string | null;
  userType: string | null;
  department: string | null;
  accountEnabled: boolean;
  isAdmin: boolean;
  isMfaRegistered: boolean;
  methods: string[];
  lastSignInAt: string | null;
}

export function segmentLabel(key: string): string {
  const [kind, a, b] = key.split(":");
  if (kind === "bucket") return BUCKET_LABEL[a as Bucket] ?? a!;
  if (kind === "method") return `Registered ${METHOD_LABEL[a!] ?? a}`;
  if (kind === "mfa")
    return `${a === "all" ? "Enabled users" : a?.startsWith("dept=") ? `Department ${a.slice(5)}` : { member: "Members", guest: "Guests", admin: "Admins", other: "Non-admins" }[a!]}: ${b === "registered" ? "MFA registered" : "not MFA registered"}`;
  return (
    {
      inactiveWithAccess: `Inactive > ${INACTIVE_DAYS} days, still holding access`,
      disabledInGroups: "Disabled, still in groups",
      privileged: "Privileged role holders",
      privilegedNoMfa: "Privileged role holders without MFA",
    }[a!] ?? key
  );
}

async function idsOf(db: Db, tenantId: string, key: string, now: Date): Promise<string[] | Prisma.DirUserWhereInput> {
  const [kind, a, b] = key.split(":") as [string, string, string?];
  if (kind === "bucket") {
    const cov = await coverageByUser(db, tenantId, now);
    return [...cov.entries()].filter(([, c]) => c.bucket === a).map(([id]) => id);
  }
  if (kind === "method") {
    const regs = await db.dirMfaRegistration.findMany({
      where: { tenantId, methodsRegistered: { contains: `"${a}"` } },
      select: { userId: true },
    });
    return regs.map((r) => r.userId);
  }
  if (kind === "mfa") {
    const registered = new Set(
      (
        await db.dirMfaRegistration.findMany({ where: { tenantId, isMfaRegistered: true }, select: { userId: true } })
      ).map((r) => r.userId),
    );
    const admins = new Set(
      (await db.dirMfaRegistration.findMany({ where: { tenantId, isAdmin: true }, select: { userId: true } })).map(
        (r) => r.userId,
      ),
    );
    const where: Prisma.DirUserWhereInput = {
      tenantId,
      accountEnabled: true,
      ...(a === "member"
        ? { userType: { not: "Guest" } }
        : a === "guest"
          ? { userType: "Guest" }
          : a.startsWith("dept=")
            ? { department: a.slice(5) }
            : {}),
    };
    const users = await db.dirUser.findMany({ where, select: { id: true } });
    return users
      .map((u) => u.id)
      .filter(
        (id) =>
          (a === "admin" ? admins.has(id) : a === "other" ? !admins.has(id) : true) &&
          registered.has(id) === (b === "registered"),
      );
  }
  const cutoff = new Date(now.getTime() - INACTIVE_DAYS * 86_400_000);
  if (a === "inactiveWithAccess") {
    const holders = new Set([
      ...(
        await db.dirGroupMember.findMany({ where: { tenantId, memberType: "user" }, select: { memberId: true } })
      ).map((m) => m.memberId),
      ...(
        await db.dirAppRoleAssignment.findMany({
          where: { tenantId, principalType: "User" },
          select: { principalId: true },
        })
      ).map((x) => x.principalId),
    ]);
    return (
      await db.dirUser.findMany({
        where: { tenantId, OR: [{ lastSignInAt: null }, { lastSignInAt: { lt: cutoff } }] },
        select: { id: true },
      })
    )
      .map((u) => u.id)
      .filter((id) => holders.has(id));
  }
  if (a === "disabledInGroups") {
    const members = new Set(
      (await db.dirGroupMember.findMany({ where: { tenantId, memberType: "user" }, select: { memberId: true } })).map(
        (m) => m.memberId,
      ),
    );
    return (await db.dirUser.findMany({ where: { tenantId, accountEnabled: false }, select: { id: true } }))
      .map((u) => u.id)
      .filter((id) => members.has(id));
  }
  const priv = [...(await privilegedUsers(db, tenantId)).keys()];
  if (a === "privileged") return priv;
  const registered = new Set(
    (
      await db.dirMfaRegistration.findMany({ where: { tenantId, isMfaRegistered: true }, select: { userId: true } })
    ).map((r) => r.userId),
  );
  return priv.filter((id) => !registered.has(id));
}

/** All users of a segment (sorted: admins without MFA first, then without MFA, then by name). */
export async function segmentUsers(ctx: Ctx, key: string): Promise<SegmentUser[]> {
  const { db, tenantId } = ctx;
  const now = ctx.now();
  const ids = (await idsOf(db, tenantId, ZSegment.parse(key), now)) as string[];
  const out: SegmentUser[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const [users, regs] = await Promise.all([
      db.dirUser.findMany({ where: { tenantId, id: { in: part } } }),
      db.dirMfaRegistration.findMany({ where: { userId: { in: part } } }),
    ]);
    const reg = new Map(regs.map((r) => [r.userId, r]));
    for (const u of users) {
      const r = reg.get(u.id);
      out.push({
        id: u.id,
        displayName: u.displayName,
        userPrincipalName: u.userPrincipalName,
        userType: u.userType,
        department: u.department,
        accountEnabled: u.accountEnabled,
        isAdmin: r?.isAdmin ?? false,
        isMfaRegistered: r?.isMfaRegistered ?? false,
        methods: r ? (JSON.parse(r.methodsRegistered) as string[]) : [],
        lastSignInAt: u.lastSignInAt?.toISOString() ?? null,
      });
    }
  }
  const rank = (u: SegmentUser) => (u.isAdmin && !u.isMfaRegistered ? 0 : !u.isMfaRegistered ? 1 : 2);
  return out.sort(
    (x, y) => rank(x) - rank(y) || (x.displayName ?? "").localeCompare(y.displayName ?? "") || (x.id < y.id ? -1 : 1),
  );
}
