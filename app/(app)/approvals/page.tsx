import { ApprovalActions } from "@/components/approvals/approval-actions";
import { type CellRow, CellTable } from "@/components/data-table/data-table";
import { PageHeader } from "@/components/ui/page-header";
import { Section } from "@/components/ui/section";
import { StatusBadge } from "@/components/ui/status-badge";
import { type ApprovalView, listApprovals } from "@/lib/approvals";
import { requirePageRole } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { env } from "@/lib/env";
import { decideApprovalAction, withdrawApprovalAction } from "./actions";

export const metadata = { title: "Approvals" };

const PENDING = { what: "What", accounts: "Accounts", asked: "Asked by", decide: "Decision" };
const DECIDED = {
  what: "What",
  accounts: "Accounts",
  asked: "Asked by",
  decided: "Decided by",
  status: "Status",
  outcome: "Outcome",
};
const ACTIONS = { decide: decideApprovalAction, withdraw: withdrawApprovalAction };
const when = (iso: string) => new Date(iso).toISOString().replace("T", " ").slice(0, 16);
const KIND = { expiry: "Access expiry", apply: "Campaign apply" };

export default async function ApprovalsPage() {
  const caller = await requirePageRole("admin", "auditor");
  const { pending, decided } = await listApprovals(appCtx());
  const what = (a: ApprovalView) => (
    <div className="max-w-xl">
      <span className="block text-xs font-semibold uppercase tracking-wide text-slate-500">{KIND[a.kind]}</span>
      {a.summary}
    </div>
  );
  const pendingRow = (a: ApprovalView): CellRow => ({
    key: a.id,
    what: what(a),
    accounts: a.accounts.toLocaleString(),
    asked: (
      <span>
        {a.requestedByName}
        <span className="block text-xs text-slate-500">{when(a.requestedAt)} UTC</span>
      </span>
    ),
    decide:
      caller.role === "admin" ? (
        <ApprovalActions approvalId={a.id} mine={a.requestedById === caller.id} actions={ACTIONS} />
      ) : (
        "Waiting for an admin"
      ),
  });
  const decidedRow = (a: ApprovalView): CellRow => ({
    key: a.id,
    what: what(a),
    accounts: a.accounts.toLocaleString(),
    asked: a.requestedByName,
    decided: (
      <span>
        {a.decidedByName ?? "–"}
        {a.decidedAt && <span className="block text-xs text-slate-500">{when(a.decidedAt)} UTC</span>}
        {a.decisionNote && <span className="block text-xs text-slate-600">“{a.decisionNote}”</span>}
      </span>
    ),
    status: <StatusBadge status={a.status} />,
    outcome: <span className="text-sm text-slate-700">{a.outcome ?? "–"}</span>,
  });
  return (
    <>
      <PageHeader
        title="Approvals"
        description={`Four eyes on bulk changes: an access expiry or a campaign apply touching more than ${env().RECERT_APPROVAL_THRESHOLD} accounts runs only once a second admin approves it.`}
      />
      <div className="space-y-6">
        <Section title={`Waiting (${pending.length})`} testId="approvals-pending">
          <CellTable
            testId="approvals-pending-table"
            empty="Nothing is waiting for approval."
            columns={PENDING}
            rows={pending.map(pendingRow)}
          />
        </Section>
        <Section title="Decided" testId="approvals-decided">
          <CellTable
            testId="approvals-decided-table"
            empty="No request has been decided yet."
            columns={DECIDED}
            rows={decided.map(decidedRow)}
          />
        </Section>
      </div>
    </>
  );
}
