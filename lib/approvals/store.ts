/**
 * Four eyes on destructive bulk work (#16, "guardrails"): an access expiry or a campaign apply that touches more
 * accounts than RECERT_APPROVAL_THRESHOLD (default 50) is not carried out on one admin's word. It is stored here as a
 * request, and runs only once a second admin approves it. Both names are in the audit log: the request's event names
 * the requester, the decision's names the approver and the requester. The requester can withdraw it; nobody
 * approves their own request. A request made by the scheduler (a campaign's auto-apply) needs one admin.
 */
import type { Approval } from ".prisma/recert-sqlite";
import { appendAudit } from "@/lib/audit";
import type { Ctx } from "@/lib/db/context";
import { UserError } from "@/lib/errors";

export const DEFAULT_APPROVAL_THRESHOLD = 50;

export type ApprovalKind = "expiry" | "apply";

/** The approved request an expiry runs under: who asked (the approver is the actor). */
export interface ApprovedBy {
  approvalId: string;
  requestedBy: { id: string; name: string };
}

export interface ApprovalActor {
  id: string | null;
  name: string;
  role: "admin" | "system";
}

export interface ApprovalView {
  id: string;
  kind: ApprovalKind;
  subjectId: string | null;
  status: "pending" | "approved" | "rejected" | "cancelled";
  summary: string;
  accounts: number;
  requestedById: string;
  requestedByName: string;
  requestedAt: string;
  decidedByName: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  outcome: string | null;
}

const SYSTEM_ID = "system";
const auditActor = (a: ApprovalActor) =>
  a.role === "system" ? { type: "system" as const, name: a.name } : { type: "user" as const, id: a.id, name: a.name };

export function approvalView(a: Approval): ApprovalView {
  return {
    id: a.id,
    kind: a.kind as ApprovalKind,
    subjectId: a.subjectId,
    status: a.status as ApprovalView["status"],
    summary: a.summary,
    accounts: a.accounts,
    requestedById: a.requestedById,
    requestedByName: a.requestedByName,
    requestedAt: a.requestedAt.toISOString(),
    decidedByName: a.decidedByName,
    decidedAt: a.decidedAt?.toISOString() ?? null,
    decisionNote: a.decisionNote,
    outcome: a.outcome,
  };
}

/**
 * Files a request, or returns the pending one for the same campaign apply (an apply retried before the decision
 * does not stack requests). Audited as approval.request with the requester's name.
 */
export async function requestApproval(
  ctx: Ctx,
  actor: ApprovalActor,
  r: { kind: ApprovalKind; subjectId?: string; summary: string; accounts: number; payload: unknown },
): Promise<{ approval: ApprovalView; reused: boolean }> {
  return ctx.db.$transaction(async (tx) => {
    if (r.subjectId) {
      const open = await tx.approval.findFirst({
        where: { tenantId: ctx.tenantId, kind: r.kind, subjectId: r.subjectId, status: "pending" },
      });
      if (open) return { approval: approvalView(open), reused: true };
    }
    const created = await tx.approval.create({
      data: {
        tenantId: ctx.tenantId,
        kind: r.kind,
        subjectId: r.subjectId ?? null,
        status: "pending",
        summary: r.summary,
        accounts: r.accounts,
        payload: JSON.stringify(r.payload),
        requestedById: actor.id ?? SYSTEM_ID,
        requestedByName: actor.name,
        requestedAt: ctx.now(),
      },
    });
    await appendAudit(tx, {
      actor: auditActor(actor),
      action: "approval.request",
      target: { type: "approval", id: created.id },
      after: { kind: r.kind, subjectId: r.subjectId ?? null, accounts: r.accounts, summary: r.summary },
    });
    return { approval: approvalView(created), reused: false };
  });
}

/** The approved request that covers a campaign's apply, if any (it covers retries of the same apply too). */
export async function approvedApply(ctx: Ctx, campaignId: string): Promise<Approval | null> {
  return ctx.db.approval.findFirst({
    where: { tenantId: ctx.tenantId, kind: "apply", subjectId: campaignId, status: "approved" },
    orderBy: { decidedAt: "desc" },
  });
}

/**
 * A second admin's decision. Compare-and-swap on the pending row, so two admins deciding at once cannot both win;
 * the requester can neither approve nor reject their own request (they withdraw it instead).
 */
export async function decideApproval(
  ctx: Ctx,
  actor: { id: string; name: string },
  approvalId: string,
  decision: "approve" | "reject",
  note: string,
): Promise<Approval> {
  const a = await ctx.db.approval.findUnique({ where: { id: approvalId } });
  if (!a || a.tenantId !== ctx.tenantId) throw new UserError("not_found", "No such approval request.");
  if (a.status !== "pending") throw new UserError("conflict", `This request is already ${a.status}.`);
  if (a.requestedById === actor.id)
    throw new UserError(
      "forbidden",
      "You asked for this yourself: another admin must approve or reject it (you can withdraw it).",
    );
  if (decision === "reject" && !note.trim()) throw new UserError("invalid", "Say why you reject it.");
  const status = decision === "approve" ? "approved" : "rejected";
  return ctx.db.$transaction(async (tx) => {
    const n = await tx.approval.updateMany({
      where: { id: a.id, status: "pending", version: a.version },
      data: {
        status,
        decidedById: actor.id,
        decidedByName: actor.name,
        decidedAt: ctx.now(),
        decisionNote: note.trim() || null,
        version: { increment: 1 },
      },
    });
    if (n.count !== 1) throw new UserError("conflict", "Someone else decided this request first; reload the page.");
    await appendAudit(tx, {
      actor: { type: "user", id: actor.id, name: actor.name },
      action: `approval.${status === "approved" ? "approve" : "reject"}`,
      target: { type: "approval", id: a.id },
      before: { status: "pending" },
      after: { status, note: note.trim() || null },
      context: {
        kind: a.kind,
        subjectId: a.subjectId,
        accounts: a.accounts,
        requestedBy: { id: a.requestedById, name: a.requestedByName },
        decidedBy: { id: actor.id, name: actor.name },
      },
    });
    return tx.approval.findUniqueOrThrow({ where: { id: a.id } });
  });
}

/** The requester withdraws a pending request. */
export async function withdrawApproval(
  ctx: Ctx,
  actor: { id: string; name: string },
  approvalId: string,
): Promise<void> {
  const a = await ctx.db.approval.findUnique({ where: { id: approvalId } });
  if (!a || a.tenantId !== ctx.tenantId) throw new UserError("not_found", "No such approval request.");
  if (a.requestedById !== actor.id)
    throw new UserError("forbidden", "Only the admin who asked can withdraw a request.");
  await ctx.db.$transaction(async (tx) => {
    const n = await tx.approval.updateMany({
      where: { id: a.id, status: "pending", version: a.version },
      data: {
        status: "cancelled",
        decidedById: actor.id,
        decidedByName: actor.name,
        decidedAt: ctx.now(),
        version: { increment: 1 },
      },
    });
    if (n.count !== 1) throw new UserError("conflict", "This request was decided meanwhile; reload the page.");
    await appendAudit(tx, {
      actor: { type: "user", id: actor.id, name: actor.name },
      action: "approval.withdraw",
      target: { type: "approval", id: a.id },
      after: { status: "cancelled" },
      context: { kind: a.kind, subjectId: a.subjectId },
    });
  });
}

/** What ran once approved (counts, or why it could not), kept beside the decision. */
export async function recordOutcome(ctx: Ctx, approvalId: string, outcome: string): Promise<void> {
  await ctx.db.approval.update({ where: { id: approvalId }, data: { outcome: outcome.slice(0, 1_000) } });
}

export async function listApprovals(ctx: Ctx): Promise<{ pending: ApprovalView[]; decided: ApprovalView[] }> {
  const [pending, decided] = await Promise.all([
    ctx.db.approval.findMany({ where: { tenantId: ctx.tenantId, status: "pending" }, orderBy: { requestedAt: "asc" } }),
    ctx.db.approval.findMany({
      where: { tenantId: ctx.tenantId, status: { not: "pending" } },
      orderBy: { decidedAt: "desc" },
      take: 50,
    }),
  ]);
  return { pending: pending.map(approvalView), decided: decided.map(approvalView) };
}
