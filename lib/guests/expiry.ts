/**
 * Access that expires on its own. An admin puts an end date on people's access (one, many, or everyone
 * of a company), optionally also blocking sign-in. Before the date, sponsors get a warning in their inbox;
 * at the date the scheduler removes every group membership and app role assignment through Graph (and
 * disables the account if asked), one result row per access so a re-run never acts twice, failures retried.
 */
import { z } from "zod";
import { UserError } from "@/lib/errors";
import { protectedAccounts } from "@/lib/dashboards/protected";
import { type ApprovedBy, DEFAULT_APPROVAL_THRESHOLD, requestApproval } from "@/lib/approvals/store";
import type { Ctx, Db } from "@/lib/db/context";
import { appendAudit, appendAuditMany } from "@/lib/audit";
import {
  disableAdAccountCommand,
  graphWrite,
  manualRemoval,
  membershipAuthority,
  type GraphClient,
  type WriteOp,
} from "@/lib/graph";

export interface GuestsActor {
  id: string | null;
  name: string;
  role: "admin" | "system";
}

const DAY = 86_400_000;
const guid = z.guid("Not an object id.");
export const ZSetExpiry = z
  .object({
    userIds: z.array(guid).max(5_000).default([]),
    companyName: z.string().trim().min(1).max(200).optional(),
    expiresAt: z.coerce.date(),
    blockSignIn: z.boolean().default(false),
    reason: z.string().trim().min(1, "Give a reason (e.g. the contract's end).").max(500),
    /** Typed confirmation where the guardrails ask for one: a protected account's UPN, or EXPIRE MEMBERS. */
    confirm: z.string().trim().max(300).default(""),
  })
  .refine((v) => v.userIds.length > 0 || v.companyName, { message: "Choose people or a company." });

/** What a person types to confirm ending the access of employees (not guests). */
export const CONFIRM_MEMBERS = "EXPIRE MEMBERS";
export type SetExpiryInput = z.input<typeof ZSetExpiry>;

const auditActor = (a: GuestsActor) =>
  a.role === "system" ? { type: "system" as const, name: a.name } : { type: "user" as const, id: a.id, name: a.name };

/**
 * Guardrails against a bulk lock-out (#16): a protected account (break-glass, or named in RECERT_PROTECTED_UPNS)
 * is never in a bulk expiry, only alone with its UPN typed to confirm; ending employees' access (not guests')
 * takes the words EXPIRE MEMBERS. What was confirmed goes into the audit event.
 */
async function guardrails(
  ctx: Ctx,
  input: z.output<typeof ZSetExpiry>,
  users: { id: string; displayName: string | null; userType: string | null; userPrincipalName: string | null }[],
  protectedUpns: readonly string[],
): Promise<{ protectedConfirmed?: string; membersConfirmed?: number }> {
  const protectedMap = await protectedAccounts(ctx, protectedUpns);
  const prot = users.filter((u) => protectedMap.has(u.id));
  if (prot.length > 0) {
    const who = prot.map((u) => `${u.userPrincipalName ?? u.id} (${protectedMap.get(u.id)})`).join(", ");
    if (input.companyName || users.length > 1)
      throw new UserError(
        "invalid",
        `Protected accounts are never expired in bulk: ${who}. Leave them out, or expire each on its own with its UPN typed to confirm.`,
      );
    const upn = prot[0]!.userPrincipalName ?? "";
    if (input.confirm.toLowerCase() !== upn.toLowerCase())
      throw new UserError(
        "invalid",
        `${who} is a protected account. Type its UPN (${upn}) to confirm ending its access.`,
      );
    return { protectedConfirmed: upn };
  }
  const members = users.filter((u) => u.userType !== "Guest").length;
  if (members > 0 && input.confirm !== CONFIRM_MEMBERS)
    throw new UserError(
      "invalid",
      `${members} of these ${users.length} ${users.length === 1 ? "person is an employee" : "people are employees"} (members, not guests). Type ${CONFIRM_MEMBERS} to confirm ending their access.`,
    );
  return members > 0 ? { membersConfirmed: members } : {};
}

/**
 * Schedules (or moves) the end of access for the chosen people. One open expiry per person: a new date replaces the
 * old one. More people than the approval threshold (and no approval yet): nothing is scheduled, a request waits for
 * a second admin (lib/approvals), and its id comes back.
 */
export async function setExpiry(
  ctx: Ctx,
  actor: GuestsActor,
  raw: SetExpiryInput,
  o: { protectedUpns?: readonly string[]; approvalThreshold?: number; approved?: ApprovedBy } = {},
): Promise<{ scheduled: number; awaitingApproval?: { approvalId: string; accounts: number } }> {
  const input = ZSetExpiry.parse(raw);
  const now = ctx.now();
  if (input.expiresAt.getTime() < now.getTime() - 60_000)
    throw new UserError("invalid", "The end date is in the past: pick today or later.");
  if (input.expiresAt.getTime() > now.getTime() + 5 * 365 * DAY)
    throw new UserError("invalid", "The end date is more than five years away.");
  const select = { id: true, displayName: true, companyName: true, userType: true, userPrincipalName: true } as const;
  const users: {
    id: string;
    displayName: string | null;
    companyName: string | null;
    userType: string | null;
    userPrincipalName: string | null;
  }[] = [];
  if (input.companyName)
    users.push(
      ...(await ctx.db.dirUser.findMany({ where: { tenantId: ctx.tenantId, companyName: input.companyName }, select })),
    );
  else {
    const ids = [...new Set(input.userIds)];
    for (let i = 0; i < ids.length; i += 500)
      users.push(
        ...(await ctx.db.dirUser.findMany({
          where: { tenantId: ctx.tenantId, id: { in: ids.slice(i, i + 500) } },
          select,
        })),
      );
  }
  if (!input.companyName && users.length !== new Set(input.userIds).size)
    throw new UserError("not_found", "Some of these people are not in this tenant's directory.");
  if (users.length === 0) throw new UserError("not_found", `Nobody in the directory works for ${input.companyName}.`);
  const guard = await guardrails(ctx, input, users, o.protectedUpns ?? []);
  const threshold = o.approvalThreshold ?? DEFAULT_APPROVAL_THRESHOLD;
  if (!o.approved && users.length > threshold) {
    const when = input.expiresAt.toISOString().slice(0, 10);
    const who = input.companyName ? `everyone at ${input.companyName}` : `${users.length} people`;
    const { approval } = await requestApproval(
      ctx,
      { ...actor, role: "admin" },
      {
        kind: "expiry",
        summary: `End the access of ${who} (${users.length} accounts) on ${when}${input.blockSignIn ? ", blocking sign-in" : ""}: ${input.reason}`,
        accounts: users.length,
        payload: { ...input, expiresAt: input.expiresAt.toISOString() },
      },
    );
    return { scheduled: 0, awaitingApproval: { approvalId: approval.id, accounts: users.length } };
  }
  const approvedCtx = o.approved
    ? {
        approvalId: o.approved.approvalId,
        requestedBy: o.approved.requestedBy,
        approvedBy: { id: actor.id, name: actor.name },
      }
    : {};
  await ctx.db.$transaction(async (tx) => {
    const open: Awaited<ReturnType<typeof tx.accessExpiry.findMany>> = [];
    for (let i = 0; i < users.length; i += 500)
      open.push(
        ...(await tx.accessExpiry.findMany({
          where: {
            tenantId: ctx.tenantId,
            userId: { in: users.slice(i, i + 500).map((u) => u.id) },
            status: "scheduled",
          },
        })),
      );
    for (const o of open)
      await tx.accessExpiry.update({ where: { id: o.id }, data: { status: "cancelled", version: { increment: 1 } } });
    await tx.accessExpiry.createMany({
      data: users.map((u) => ({
        tenantId: ctx.tenantId,
        userId: u.id,
        userName: u.displayName,
        companyName: u.companyName,
        expiresAt: input.expiresAt,
        blockSignIn: input.blockSignIn,
        reason: input.reason,
        status: "scheduled",
        createdById: actor.id ?? "system",
      })),
    });
    await appendAuditMany(
      tx,
      users.map((u) => ({
        actor: auditActor(actor),
        action: open.some((o) => o.userId === u.id) ? "expiry.change" : "expiry.set",
        target: { type: "user", id: u.id },
        before: open.find((o) => o.userId === u.id)
          ? { expiresAt: open.find((o) => o.userId === u.id)!.expiresAt }
          : null,
        after: { expiresAt: input.expiresAt, blockSignIn: input.blockSignIn, reason: input.reason },
        context: { ...guard, ...approvedCtx, company: input.companyName ?? null, bulkSize: users.length },
      })),
    );
  });
  return { scheduled: users.length };
}

/** Admin: a later date for one scheduled expiry, with a reason. */
export async function extendExpiry(
  ctx: Ctx,
  actor: GuestsActor,
  expiryId: string,
  expiresAt: Date,
  reason: string,
): Promise<void> {
  if (!reason.trim()) throw new UserError("invalid", "Give a reason for the extension.");
  const e = await ctx.db.accessExpiry.findUnique({ where: { id: expiryId } });
  if (!e || e.tenantId !== ctx.tenantId) throw new UserError("not_found", "No such expiry.");
  if (e.status !== "scheduled")
    throw new UserError("conflict", `This expiry is ${e.status}; only a scheduled one can be extended.`);
  if (expiresAt <= e.expiresAt) throw new UserError("invalid", "The new date must be later than the current one.");
  await ctx.db.$transaction(async (tx) => {
    const n = await tx.accessExpiry.updateMany({
      where: { id: e.id, status: "scheduled", version: e.version },
      data: { expiresAt, warnedAt: null, version: { increment: 1 } },
    });
    if (n.count === 0) throw new UserError("conflict", "The expiry changed meanwhile. Reload.");
    await appendAudit(tx, {
      actor: auditActor(actor),
      action: "expiry.extend",
      target: { type: "user", id: e.userId },
      before: { expiresAt: e.expiresAt },
      after: { expiresAt },
      context: { expiryId, reason },
    });
  });
}

export async function cancelExpiry(ctx: Ctx, actor: GuestsActor, expiryId: string, reason: string): Promise<void> {
  const e = await ctx.db.accessExpiry.findUnique({ where: { id: expiryId } });
  if (!e || e.tenantId !== ctx.tenantId) throw new UserError("not_found", "No such expiry.");
  await ctx.db.$transaction(async (tx) => {
    const n = await tx.accessExpiry.updateMany({
      where: { id: e.id, status: "scheduled" },
      data: { status: "cancelled", version: { increment: 1 } },
    });
    if (n.count === 0)
      throw new UserError("conflict", `This expiry is ${e.status}; only a scheduled one can be cancelled.`);
    await appendAudit(tx, {
      actor: auditActor(actor),
      action: "expiry.cancel",
      target: { type: "user", id: e.userId },
      before: { expiresAt: e.expiresAt },
      context: { expiryId, reason },
    });
  });
}

export interface ExpiryPlanItem {
  /**
   * group: a direct membership; app: an app role; role: a directory role held directly; roleEligible / groupEligible:
   * a PIM eligibility for a directory role or for a group's membership or ownership (#19); block: the sign-in block.
   */
  kind: "group" | "app" | "role" | "roleEligible" | "groupEligible" | "block";
  targetId: string;
  targetName: string | null;
  accessId: string;
  op: WriteOp;
  /** Set for groups Exchange or Active Directory owns: where, the command to run there, and why; Graph cannot. */
  manual?: { where: string; command: string; note: string };
}

/**
 * What an expiry would remove now, from the last finished sync: direct memberships of non-dynamic groups, app role
 * assignments, directory roles and PIM eligibilities (for roles and for groups) held in the person's own name, and
 * the block. Access held through a group goes with the membership. PIM's ids change when access is granted again, so
 * the PIM items are named by role and scope, or group and access, not by schedule id.
 */
export async function expiryPlan(
  db: Db,
  tenantId: string,
  userId: string,
  blockSignIn: boolean,
): Promise<ExpiryPlanItem[]> {
  const memberships = await db.dirGroupMember.findMany({
    where: { tenantId, memberId: userId },
    select: { groupId: true },
  });
  const groups = await db.dirGroup.findMany({
    where: { id: { in: memberships.map((m) => m.groupId) } },
    select: {
      id: true,
      displayName: true,
      isDynamic: true,
      kind: true,
      onPremisesSyncEnabled: true,
      onPremisesSecurityIdentifier: true,
    },
  });
  const user = await db.dirUser.findUnique({
    where: { id: userId },
    select: { accountEnabled: true, onPremisesSyncEnabled: true, onPremisesSecurityIdentifier: true },
  });
  const me = { id: userId, sid: user?.onPremisesSecurityIdentifier ?? null };
  const apps = await db.dirAppRoleAssignment.findMany({
    where: { tenantId, principalId: userId },
    select: { id: true, resourceId: true, resourceDisplayName: true },
  });
  // PIM (#19): schedules Graph reports as inherited from a group (memberType group) belong to the group's members.
  const own = (memberType: string | null) => (memberType ?? "direct").toLowerCase() !== "group";
  const [roleSchedules, roleAssignments, groupEligibilities] = await Promise.all([
    db.dirRoleSchedule.findMany({
      where: { tenantId, principalId: userId },
      select: {
        kind: true,
        roleDefinitionId: true,
        directoryScopeId: true,
        memberType: true,
        assignmentType: true,
        endAt: true,
      },
    }),
    db.dirRoleAssignment.findMany({
      where: { tenantId, principalId: userId },
      select: { id: true, roleDefinitionId: true, directoryScopeId: true },
    }),
    db.dirGroupSchedule.findMany({
      where: { tenantId, principalId: userId, kind: "eligible" },
      select: { groupId: true, accessId: true, memberType: true },
    }),
  ]);
  const roleNames = new Map(
    (
      await db.dirRoleDefinition.findMany({
        where: {
          id: { in: [...new Set([...roleSchedules, ...roleAssignments].map((r) => r.roleDefinitionId))] },
        },
        select: { id: true, displayName: true },
      })
    ).map((r) => [r.id, r.displayName]),
  );
  const eligibleGroupNames = new Map(
    (
      await db.dirGroup.findMany({
        where: { id: { in: [...new Set(groupEligibilities.map((g) => g.groupId))] } },
        select: { id: true, displayName: true },
      })
    ).map((g) => [g.id, g.displayName]),
  );
  const justification = "Access ended (Recert access expiry).";
  const scopeOf = (r: { directoryScopeId: string | null }) => r.directoryScopeId ?? "/";
  const activeSchedule = (a: { roleDefinitionId: string; directoryScopeId: string | null }) =>
    roleSchedules.find(
      (r) =>
        r.kind === "active" &&
        own(r.memberType) &&
        r.roleDefinitionId === a.roleDefinitionId &&
        scopeOf(r) === scopeOf(a),
    );
  const roles = roleAssignments.map((a): ExpiryPlanItem => {
    const schedule = activeSchedule(a);
    const scope = scopeOf(a);
    const item = {
      kind: "role" as const,
      targetId: a.roleDefinitionId,
      targetName: roleNames.get(a.roleDefinitionId) ?? null,
      accessId: `role/${a.roleDefinitionId}/${scope}/${userId}`,
    };
    if (schedule?.assignmentType?.toLowerCase() === "activated") {
      // An activation the person made ends by itself (PIM caps it at hours); Microsoft documents no admin removal of
      // an activation. Its eligibility goes below, so it cannot be activated again; the result stays open (not
      // "done") until a sync no longer shows the role, which then confirms it.
      const ends = schedule.endAt ? ` at ${schedule.endAt.toISOString()}` : "";
      return {
        ...item,
        op: { kind: "removeRoleAssignment", assignmentId: a.id },
        manual: {
          where: "Entra (PIM)",
          command: "",
          note: `${item.targetName ?? a.roleDefinitionId} is active through the person's own PIM activation, which ends by itself${ends}; the eligibility is removed, so it cannot be activated again. A sync that no longer shows the role marks this done.`,
        },
      };
    }
    // A time-bound assignment is PIM's schedule, removed through PIM; a permanent one by DELETE (as a review does).
    return {
      ...item,
      op: schedule?.endAt
        ? {
            kind: "removeRoleAssignmentSchedule",
            principalId: userId,
            roleDefinitionId: a.roleDefinitionId,
            directoryScopeId: scope,
            justification,
          }
        : { kind: "removeRoleAssignment", assignmentId: a.id },
    };
  });
  const plan: ExpiryPlanItem[] = [
    ...groups
      .filter((g) => !g.isDynamic)
      .map((g) => ({
        kind: "group" as const,
        targetId: g.id,
        targetName: g.displayName,
        accessId: `${g.id}/${userId}`,
        op: { kind: "removeGroupMember" as const, groupId: g.id, memberId: userId },
        ...((m) => (m ? { manual: m } : {}))(
          manualRemoval(membershipAuthority(g), { id: g.id, sid: g.onPremisesSecurityIdentifier }, me),
        ),
      })),
    ...apps.map((a) => ({
      kind: "app" as const,
      targetId: a.resourceId,
      targetName: a.resourceDisplayName,
      accessId: a.id,
      op: { kind: "removeAppRoleAssignment" as const, servicePrincipalId: a.resourceId, assignmentId: a.id },
    })),
    ...roles,
    ...roleSchedules
      .filter((r) => r.kind === "eligible" && own(r.memberType))
      .map((r) => ({
        kind: "roleEligible" as const,
        targetId: r.roleDefinitionId,
        targetName: roleNames.get(r.roleDefinitionId) ?? null,
        accessId: `roleEligible/${r.roleDefinitionId}/${scopeOf(r)}/${userId}`,
        op: {
          kind: "removeRoleEligibility" as const,
          principalId: userId,
          roleDefinitionId: r.roleDefinitionId,
          directoryScopeId: scopeOf(r),
          justification,
        },
      })),
    ...groupEligibilities
      .filter((g) => own(g.memberType) && (g.accessId === "member" || g.accessId === "owner"))
      .map((g) => ({
        kind: "groupEligible" as const,
        targetId: g.groupId,
        targetName: eligibleGroupNames.get(g.groupId) ?? null,
        accessId: `groupEligible/${g.groupId}/${g.accessId}/${userId}`,
        op: {
          kind: "removeGroupEligibility" as const,
          groupId: g.groupId,
          principalId: userId,
          accessId: g.accessId as "member" | "owner",
          justification,
        },
      })),
  ];
  // Synced from AD: Graph refuses the block, and Entra Connect would re-enable the account from AD anyway. The
  // block is an AD task, done once a sync shows the account disabled (then it leaves the plan and is confirmed).
  // An account the last sync no longer has (deleted, or out of sync scope) has nothing left to block: the open
  // result, if any, is then confirmed.
  const synced = Boolean(user?.onPremisesSyncEnabled);
  if (blockSignIn && user && !(synced && !user.accountEnabled)) {
    const command = disableAdAccountCommand(me);
    plan.push({
      kind: "block",
      targetId: userId,
      targetName: null,
      accessId: `block/${userId}`,
      op: { kind: "setAccountEnabled", userId, enabled: false },
      ...(synced
        ? {
            manual: {
              where: "Active Directory",
              command,
              note: `This account is synced from Active Directory: disable it there (a block in Entra would be refused and undone by the next AD sync); the next sync that shows it disabled marks it done. ${command}`,
            },
          }
        : {}),
    });
  }
  return plan;
}

export interface ExpiryRunReport {
  warned: number;
  executed: {
    expiryId: string;
    userId: string;
    applied: number;
    alreadyRemoved: number;
    failed: number;
    manual: number;
    status: string;
  }[];
}

/** One scheduler pass: warn sponsors `warnDays` ahead, execute what is due (and retry what failed before). */
/** How long a pass holds an expiry it executes; one that died holding it is taken over after this. */
const EXECUTE_LEASE_MS = 15 * 60_000;

export async function runExpiries(ctx: Ctx, graph: (() => GraphClient) | null, warnDays = 7): Promise<ExpiryRunReport> {
  const now = ctx.now();
  const report: ExpiryRunReport = { warned: 0, executed: [] };
  const soon = await ctx.db.accessExpiry.findMany({
    where: {
      tenantId: ctx.tenantId,
      status: "scheduled",
      warnedAt: null,
      expiresAt: { gt: now, lte: new Date(now.getTime() + warnDays * DAY) },
    },
  });
  for (const e of soon) {
    // Another pass running at the same time (cron on two hosts) may have warned already: the warned mark is the claim.
    const claimed = await ctx.db.accessExpiry.updateMany({
      where: { id: e.id, warnedAt: null },
      data: { warnedAt: now },
    });
    if (claimed.count === 0) continue;
    const sponsors = await ctx.db.dirSponsor.findMany({
      where: { userId: e.userId, sponsorType: "user" },
      select: { sponsorId: true },
    });
    const manager = sponsors.length
      ? null
      : (await ctx.db.dirUser.findUnique({ where: { id: e.userId }, select: { managerId: true } }))?.managerId;
    const recipients = sponsors.length ? sponsors.map((s) => s.sponsorId) : manager ? [manager] : [e.createdById];
    // The warning's notices (the outbox's record, lib/notify). Should this pass die between the claim above and here,
    // the expiry still runs at its date, unwarned: never warned twice.
    await ctx.db.$transaction([
      ctx.db.notification.createMany({
        data: recipients.map((r) => ({
          tenantId: ctx.tenantId,
          recipientId: r,
          kind: "expiry-warning",
          subject: `Access of ${e.userName ?? e.userId} ends ${e.expiresAt.toISOString().slice(0, 10)}`,
          body: `${e.reason}. Ask an admin to extend it if the work continues.`,
          // Sponsors and managers are often reviewers, who cannot open /guests: their own inbox.
          link: "/reviews",
        })),
      }),
    ]);
    report.warned++;
  }
  if (!graph) return report;
  const due = await ctx.db.accessExpiry.findMany({
    where: {
      tenantId: ctx.tenantId,
      expiresAt: { lte: now },
      OR: [
        { status: { in: ["scheduled", "partial"] } },
        // A pass that died while executing: its claim lapses after the lease.
        { status: "executing", executedAt: { lt: new Date(now.getTime() - EXECUTE_LEASE_MS) } },
      ],
    },
    orderBy: { expiresAt: "asc" },
  });
  const client = due.length ? graph() : null;
  // Results that failed or were left to Exchange and that a complete sync since no longer shows are gone.
  const lastSync = due.length
    ? await ctx.db.syncRun.findFirst({
        where: { tenantId: ctx.tenantId, status: "succeeded" },
        orderBy: { finishedAt: "desc" },
        select: { id: true, finishedAt: true },
      })
    : null;
  for (const e of due) {
    // The claim: of two passes at once (cron on two hosts), only the one whose update still matches the row as read
    // executes it; the other moves on. Graph is asked to remove each access once.
    const claimed = await ctx.db.accessExpiry.updateMany({
      where: { id: e.id, status: e.status, version: e.version },
      data: { status: "executing", executedAt: now, version: { increment: 1 } },
    });
    if (claimed.count === 0) continue;
    const actor = { type: "system" as const, name: "Recert scheduler" };
    const plan = await expiryPlan(ctx.db, ctx.tenantId, e.userId, e.blockSignIn);
    // Whatever an earlier pass already removed is not touched again (one result row per access).
    const done = new Set(
      (
        await ctx.db.accessExpiryResult.findMany({
          where: { expiryId: e.id, status: { in: ["applied", "alreadyRemoved", "removedManually", "manual"] } },
          select: { kind: true, accessId: true },
        })
      ).map((r) => `${r.kind}:${r.accessId}`),
    );
    const counts = { applied: 0, alreadyRemoved: 0, failed: 0, manual: 0 };
    if (lastSync?.finishedAt) {
      const current = new Set(plan.map((p) => `${p.kind}:${p.accessId}`));
      const open = await ctx.db.accessExpiryResult.findMany({
        where: { expiryId: e.id, status: { in: ["failed", "manual"] }, at: { lt: lastSync.finishedAt } },
      });
      for (const r of open.filter((x) => !current.has(`${x.kind}:${x.accessId}`))) {
        const next = r.status === "manual" ? "removedManually" : "alreadyRemoved";
        await ctx.db.$transaction(async (tx) => {
          await tx.accessExpiryResult.update({ where: { id: r.id }, data: { status: next, error: null, at: now } });
          await appendAudit(tx, {
            actor,
            action: "expiry.confirmed",
            target: { type: "user", id: e.userId },
            before: { status: r.status },
            after: { status: next, kind: r.kind, accessId: r.accessId },
            context: { expiryId: e.id, syncRunId: lastSync.id },
          });
        });
      }
    }
    // The plan lists memberships and app roles first and the sign-in block last.
    for (const item of plan.filter((p) => !done.has(`${p.kind}:${p.accessId}`))) {
      if (item.manual) {
        const { note: error, where, command } = item.manual;
        await ctx.db.$transaction(async (tx) => {
          await tx.accessExpiryResult.upsert({
            where: { expiryId_kind_accessId: { expiryId: e.id, kind: item.kind, accessId: item.accessId } },
            create: {
              expiryId: e.id,
              kind: item.kind,
              targetId: item.targetId,
              accessId: item.accessId,
              status: "manual",
              error,
            },
            update: { status: "manual", error, at: now },
          });
          await appendAudit(tx, {
            actor,
            action: "expiry.manual",
            target: { type: "user", id: e.userId },
            after: {
              [item.kind === "block" ? "user" : item.kind === "role" ? "role" : "group"]: item.targetId,
              where,
              command,
            },
            context: { expiryId: e.id },
          });
        });
        counts.manual++;
        continue;
      }
      const result = await graphWrite(client!, item.op, {
        before: async (op) =>
          void (await appendAudit(ctx.db, {
            actor,
            action: "graph.write.intent",
            target: { type: "user", id: e.userId },
            after: { op },
            context: { expiryId: e.id, reason: e.reason },
          })),
        after: async (op, r) =>
          void (await appendAudit(ctx.db, {
            actor,
            action: "graph.write",
            target: { type: "user", id: e.userId },
            after: {
              op,
              outcome: r.outcome,
              error:
                r.outcome === "failed"
                  ? { status: r.error.status, code: r.error.code, message: r.error.message }
                  : null,
            },
            context: { expiryId: e.id },
          })),
      });
      const status =
        result.outcome === "applied" ? "applied" : result.outcome === "already_removed" ? "alreadyRemoved" : "failed";
      const error =
        result.outcome === "failed" ? `${result.error.status} ${result.error.code}: ${result.error.message}` : null;
      await ctx.db.accessExpiryResult.upsert({
        where: { expiryId_kind_accessId: { expiryId: e.id, kind: item.kind, accessId: item.accessId } },
        create: { expiryId: e.id, kind: item.kind, targetId: item.targetId, accessId: item.accessId, status, error },
        update: { status, error, attempts: { increment: 1 }, at: now },
      });
      counts[status]++;
    }
    const failedLeft = await ctx.db.accessExpiryResult.count({
      where: { expiryId: e.id, status: { in: ["failed", "manual"] } },
    });
    const status = failedLeft ? "partial" : "done";
    await ctx.db.$transaction(async (tx) => {
      await tx.accessExpiry.update({
        where: { id: e.id },
        data: { status, executedAt: now, version: { increment: 1 } },
      });
      await appendAudit(tx, {
        actor,
        action: "expiry.execute",
        target: { type: "user", id: e.userId },
        after: { ...counts, status },
        context: { expiryId: e.id, reason: e.reason, blockSignIn: e.blockSignIn },
      });
    });
    report.executed.push({ expiryId: e.id, userId: e.userId, ...counts, status });
  }
  return report;
}

export const ZExtendExpiry = z.object({
  expiryId: z.string().uuid("Not an expiry id."),
  expiresAt: z.coerce.date({ error: "Pick the new end date." }),
  reason: z.string().trim().min(1, "Give a reason.").max(500),
});
export const ZCancelExpiry = z.object({
  expiryId: z.string().uuid("Not an expiry id."),
  reason: z.string().trim().min(1, "Give a reason.").max(500),
});
export const ZExpiryPreview = z.object({ userId: z.guid("Not a user id."), blockSignIn: z.boolean().default(false) });

/** What the expiry of one person would remove, as of the last sync, for the admin's preview. */
export async function expiryPreview(
  ctx: Ctx,
  input: z.output<typeof ZExpiryPreview>,
): Promise<{ items: { kind: string; target: string; manual?: string }[] }> {
  const plan = await expiryPlan(ctx.db, ctx.tenantId, input.userId, input.blockSignIn);
  return {
    items: plan.map((p) => ({
      kind: p.kind,
      target: p.targetName ?? p.targetId,
      ...(p.manual ? { manual: p.manual.where } : {}),
    })),
  };
}

/**
 * Expiries whose removals did not hold (#17): a membership or app role the expiry removed, or a sign-in it blocked,
 * that a later sync sees again. Each is flagged once and audited; the dashboard counts them.
 */
export async function flagReturnedExpiries(ctx: Ctx, runId: string): Promise<number> {
  const p = ctx.dialect.p(1);
  const rows = await ctx.db.$queryRawUnsafe<{ id: string; kind: string; userId: string; targetId: string }[]>(
    `SELECT r."id", r."kind", e."userId", r."targetId" FROM "AccessExpiryResult" AS r
     JOIN "AccessExpiry" AS e ON e."id" = r."expiryId"
     WHERE e."tenantId" = ${p} AND r."status" IN ('applied', 'alreadyRemoved') AND r."returnedAt" IS NULL
       AND CASE r."kind"
         WHEN 'group' THEN EXISTS (SELECT 1 FROM "DirGroupMember" m WHERE m."groupId" = r."targetId" AND m."memberId" = e."userId")
         WHEN 'app' THEN EXISTS (SELECT 1 FROM "DirAppRoleAssignment" a WHERE a."id" = r."accessId")
         WHEN 'role' THEN EXISTS (SELECT 1 FROM "DirRoleAssignment" a WHERE a."principalId" = e."userId"
           AND 'role/' || a."roleDefinitionId" || '/' || COALESCE(a."directoryScopeId", '/') || '/' || a."principalId" = r."accessId")
         WHEN 'roleEligible' THEN EXISTS (SELECT 1 FROM "DirRoleSchedule" s WHERE s."principalId" = e."userId" AND s."kind" = 'eligible'
           AND LOWER(COALESCE(s."memberType", 'direct')) <> 'group'
           AND 'roleEligible/' || s."roleDefinitionId" || '/' || COALESCE(s."directoryScopeId", '/') || '/' || s."principalId" = r."accessId")
         WHEN 'groupEligible' THEN EXISTS (SELECT 1 FROM "DirGroupSchedule" s WHERE s."principalId" = e."userId" AND s."kind" = 'eligible'
           AND LOWER(COALESCE(s."memberType", 'direct')) <> 'group'
           AND 'groupEligible/' || s."groupId" || '/' || s."accessId" || '/' || s."principalId" = r."accessId")
         ELSE EXISTS (SELECT 1 FROM "DirUser" u WHERE u."id" = e."userId" AND u."accountEnabled" = ${ctx.dialect.bool(true)}) END`,
    ctx.tenantId,
  );
  const now = ctx.now();
  for (const r of rows)
    await ctx.db.$transaction(async (tx) => {
      const n = await tx.accessExpiryResult.updateMany({
        where: { id: r.id, returnedAt: null },
        data: { returnedAt: now },
      });
      if (n.count === 0) return;
      await appendAudit(tx, {
        actor: { type: "system", name: "sync" },
        action: "expiry.returned",
        target: { type: "user", id: r.userId },
        after: { kind: r.kind, targetId: r.targetId, returnedAt: now.toISOString() },
        context: { syncRunId: runId, expiryResultId: r.id },
      });
    });
  return rows.length;
}
