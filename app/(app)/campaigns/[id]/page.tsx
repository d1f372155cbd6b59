import Link from "next/link";
import { CellTable } from "@/components/data-table/data-table";
import { Badge } from "@/components/ui/badge";
import { ButtonLink } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { notFound } from "next/navigation";
import {
  CampaignActions,
  ReassignForm,
  SignOffForm,
  type CampaignActionSet,
} from "@/components/campaigns/campaign-actions";
import {
  advanceStageAction,
  applyCampaignAction,
  closeCampaignAction,
  deleteDraftAction,
  extendCampaignAction,
  previewApplyAction,
  reassignAction,
  remindReviewersAction,
  signOffAction,
  startCampaignAction,
} from "../actions";

const CAMPAIGN_ACTIONS: CampaignActionSet = {
  start: startCampaignAction,
  deleteDraft: deleteDraftAction,
  remind: remindReviewersAction,
  advance: advanceStageAction,
  preview: previewApplyAction,
  apply: applyCampaignAction,
  close: closeCampaignAction,
  extend: extendCampaignAction,
};
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx, db } from "@/lib/db";
import { env } from "@/lib/env";
import {
  campaignDetail,
  REVIEWER_LABEL,
  returnedItems,
  reviewerSignals,
  describeScope,
  syncFitness,
} from "@/lib/reviews";

export const metadata = { title: "Campaign" };

const REVIEWER_COLUMNS = { reviewer: "Reviewer", as: "As", decided: "Decided", actions: "" };
const SIGNAL_COLUMNS = {
  reviewer: "Reviewer",
  decided: "Decided",
  pace: "Median time between decisions",
  bulk: "In bulk",
  against: "Approved against a revoke recommendation",
  signals: "Signals",
};

function Stat({ label, value, testId }: { label: string; value: string | number; testId?: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3">
      <div className="text-xs uppercase tracking-wide text-slate-500">{label}</div>
      <div className="mt-1 text-xl font-semibold text-slate-900" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

export default async function CampaignPage({ params }: { params: Promise<{ id: string }> }) {
  const caller = await requirePageRole("admin", "auditor");
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const e = env();
  const c = await campaignDetail(appCtx(), id);
  if (!c) notFound();
  const signals = c.status === "draft" ? [] : await reviewerSignals(db(), c.id);
  const returned = c.status === "closed" || c.status === "applied" ? await returnedItems(db(), c.id) : [];
  const fitness =
    c.status === "draft" ? await syncFitness(db(), e.ENTRA_TENANT_ID, c.config.maxSyncAgeHours, new Date()) : null;
  const manifest = c.syncManifest as {
    finishedAt?: string;
    counts?: Record<string, number>;
    freeze?: { fallbackItems?: number; skipped?: { dynamicGroups?: number } };
  } | null;
  const decided = c.itemCount - c.decisions.undecided;
  return (
    <>
      <PageHeader
        title={c.name}
        description={
          <>
            <span className="mr-2" data-testid="campaign-status">
              <StatusBadge status={c.status} />
            </span>
            {describeScope(c.config.scope)} ·{" "}
            {c.config.stages
              .map((s, i) => `stage ${i + 1}: ${REVIEWER_LABEL[s.reviewers]} (${s.durationDays} d)`)
              .join(" → ")}{" "}
            · {new Date(c.startAt).toLocaleDateString()} – {new Date(c.endAt).toLocaleDateString()}
          </>
        }
        actions={<ButtonLink href="/campaigns">All campaigns</ButtonLink>}
      />
      {c.description && <p className="mb-4 max-w-3xl text-sm text-slate-600">{c.description}</p>}
      {caller.role === "admin" && (
        <section className="mb-6" aria-label="Actions">
          <CampaignActions
            campaignId={c.id}
            status={c.status}
            stage={c.stage}
            stageCount={c.stageCount}
            canStart={fitness?.ok ?? false}
            startBlocker={fitness && !fitness.ok ? fitness.reason : null}
            actions={CAMPAIGN_ACTIONS}
          />
          {fitness && !fitness.ok && (
            <p className="mt-2 text-sm">
              <Link href="/settings" className="font-medium text-brand-700 hover:underline">
                Sync from Settings
              </Link>
            </p>
          )}
        </section>
      )}
      {c.status !== "draft" && (
        <>
          <section className="mb-6 grid grid-cols-2 gap-3 md:grid-cols-6" aria-label="Counts">
            <Stat label="Items" value={c.itemCount} testId="stat-items" />
            <Stat
              label="Decided"
              value={`${decided} (${c.itemCount ? Math.round((decided / c.itemCount) * 100) : 0}%)`}
              testId="stat-decided"
            />
            <Stat label="Approved" value={c.decisions.approve} testId="stat-approved" />
            <Stat label="Revoked" value={c.decisions.revoke} testId="stat-revoked" />
            <Stat label="Don't know" value={c.decisions.dontknow} />
            <Stat
              label="Removed in Entra"
              value={(c.apply.applied ?? 0) + (c.apply.alreadyRemoved ?? 0) + (c.apply.removedManually ?? 0)}
              testId="stat-removed"
            />
          </section>
          <section
            className="mb-6 rounded-xl border border-slate-200 bg-white p-4 text-sm text-slate-700 shadow-sm"
            aria-label="Evidence"
          >
            <h2 className="mb-2 font-semibold text-slate-900">Population and evidence</h2>
            <dl className="grid gap-x-6 gap-y-1 md:grid-cols-2">
              <dt className="text-slate-500">Frozen from sync</dt>
              <dd className="font-mono text-xs">
                {c.syncRunId}{" "}
                {manifest?.finishedAt ? `(finished ${new Date(manifest.finishedAt).toLocaleString()})` : ""}
              </dd>
              <dt className="text-slate-500">SHA-256 of the item list</dt>
              <dd className="break-all font-mono text-xs">{c.itemsHash}</dd>
              <dt className="text-slate-500">Items sent to fallback reviewers</dt>
              <dd>{manifest?.freeze?.fallbackItems ?? 0}</dd>
              <dt className="text-slate-500">Removed in Entra meanwhile</dt>
              <dd data-testid="gone-meanwhile">
                {c.goneMeanwhile} (a sync since the start no longer finds the access; the items stay as frozen)
              </dd>
              <dt className="text-slate-500">Dynamic groups left out</dt>
              <dd>
                {manifest?.freeze?.skipped?.dynamicGroups ?? 0} (their members follow a rule; change the rule instead)
              </dd>
              {c.closedAt && (
                <>
                  <dt className="text-slate-500">Closed</dt>
                  <dd>
                    {new Date(c.closedAt).toLocaleString()} by {c.closedByName} — {c.closeReason}
                  </dd>
                  <dt className="text-slate-500">Audit chain head at close</dt>
                  <dd className="break-all font-mono text-xs">{c.chainHead}</dd>
                </>
              )}
              {c.appliedAt && (
                <>
                  <dt className="text-slate-500">Applied</dt>
                  <dd>{new Date(c.appliedAt).toLocaleString()}</dd>
                </>
              )}
            </dl>
          </section>
          {c.failures.length > 0 && (
            <section className="mb-6 rounded-xl border border-rose-200 bg-rose-50 p-4 text-sm" aria-label="Failures">
              <h2 className="mb-2 font-semibold text-rose-900">
                {c.apply.failed} removal(s) failed — apply again to retry
              </h2>
              <ul className="space-y-1 text-rose-800">
                {c.failures.map((f) => (
                  <li key={f.itemId}>
                    {f.principalName} from {f.resourceName}: <code>{f.error}</code>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {c.manual.length > 0 && (
            <section
              className="mb-6 rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm"
              aria-label="To remove by hand"
              data-testid="manual-removals"
            >
              <h2 className="mb-1 font-semibold text-amber-900">{c.apply.manual} removal(s) to make by hand</h2>
              <p className="mb-2 text-amber-800">
                Graph cannot change the members of mail-enabled security groups and distribution lists (Exchange Online
                owns them) nor of groups synced from Active Directory. Run each command where it says; the next sync
                that no longer sees the membership records it as removed, and the campaign becomes applied once none is
                left.
              </p>
              <ul className="space-y-1 text-amber-900">
                {c.manual.map((m) => (
                  <li key={m.itemId}>
                    {m.principalName} from {m.resourceName}, in {m.where}:{" "}
                    <code className="break-all text-xs">{m.command}</code>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {returned.length > 0 && (
            <section
              className="mb-6 rounded-xl border border-rose-200 bg-rose-50 p-4 text-sm"
              aria-label="Revocations that came back"
              data-testid="returned-revocations"
            >
              <h2 className="mb-1 font-semibold text-rose-900">
                {returned.length} revoked access{returned.length === 1 ? "" : "es"} came back
              </h2>
              <p className="mb-2 text-rose-800">
                Removed by this campaign, then seen again by a later sync: re-added by someone, a dynamic rule or Active
                Directory. Each is in the audit log (revocation.returned) with the sync that saw it.
              </p>
              <ul className="space-y-1 text-rose-900">
                {returned.map((r) => (
                  <li key={r.id}>
                    #{r.ordinal} {r.principalUpn ?? r.principalName} in {r.resourceName}, seen{" "}
                    {r.returnedAt ? new Date(r.returnedAt).toLocaleString() : ""}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {signals.length > 0 && (
            <section aria-label="Reviewer behaviour" className="mb-6" data-testid="reviewer-signals">
              <h2 className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500">Reviewer behaviour</h2>
              <CellTable
                testId="reviewer-signals-table"
                empty="No decision yet."
                columns={SIGNAL_COLUMNS}
                rows={signals.map((r) => ({
                  key: r.reviewerId,
                  reviewer: r.name ?? r.reviewerId,
                  decided: r.decided,
                  pace: r.medianGapSeconds === null ? "–" : `${r.medianGapSeconds.toFixed(1)} s`,
                  bulk: `${Math.round(r.bulkShare * 100)} %`,
                  against: `${r.approvedAgainstRevoke} of ${r.revokeRecommended}`,
                  signals: r.flags.length ? (
                    <div className="max-w-md text-xs text-amber-900">
                      <Badge tone="amber">Possible rubber-stamping</Badge>
                      <ul className="mt-1 list-disc pl-4">
                        {r.flags.map((f) => (
                          <li key={f}>{f}</li>
                        ))}
                      </ul>
                    </div>
                  ) : (
                    <span className="text-xs text-slate-500">none</span>
                  ),
                }))}
              />
            </section>
          )}
          <section aria-label="Reviewers">
            <h2 className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500">
              Reviewers{c.stageCount > 1 ? ` (stage ${c.stage})` : ""}
            </h2>
            <CellTable
              testId="reviewers"
              empty="No reviewer in this stage."
              columns={REVIEWER_COLUMNS}
              rows={c.reviewers.map((r) => ({
                key: r.reviewerId,
                reviewer: (
                  <>
                    {r.name ?? r.reviewerId}
                    {r.overdue && (
                      <Badge tone="red" className="ml-2">
                        Overdue
                      </Badge>
                    )}
                  </>
                ),
                as: <span className="capitalize text-slate-600">{r.relation}</span>,
                decided: `${r.decided} / ${r.total}`,
                actions: caller.role === "admin" && c.status === "active" && r.decided < r.total && (
                  <>
                    <ReassignForm
                      campaignId={c.id}
                      reviewerId={r.reviewerId}
                      reviewerName={r.name ?? r.reviewerId}
                      reassign={reassignAction}
                    />
                    {/* Escalation: an overdue reviewer's items can be signed off by the admin, with a reason. */}
                    {r.overdue && (
                      <SignOffForm
                        campaignId={c.id}
                        reviewerId={r.reviewerId}
                        reviewerName={r.name ?? r.reviewerId}
                        undecided={r.total - r.decided}
                        signOff={signOffAction}
                      />
                    )}
                  </>
                ),
              }))}
            />
          </section>
        </>
      )}
    </>
  );
}
