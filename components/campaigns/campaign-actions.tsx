"use client";

import { buttonClass } from "@/components/ui/button";
import { useState } from "react";
import { Notice } from "@/components/ui/notice";
import { useAction } from "@/components/ui/use-action";
import type { Action } from "@/lib/action";
import type { ApplyPreviewRow } from "@/lib/reviews/apply";

type ApplyCounts = {
  applied: number;
  alreadyRemoved: number;
  failed: number;
  manual: number;
  awaitingApproval?: { approvalId: string; accounts: number };
};
const awaiting = (a: { accounts: number }) =>
  `This removes access from ${a.accounts} accounts: it waits for a second admin's approval (Approvals). Nothing was sent to Entra.`;
/** The campaign page's server actions, passed down by the page. */
export interface CampaignActionSet {
  start: Action<string, { itemCount: number }>;
  deleteDraft: Action<string>;
  remind: Action<string, { notified: number }>;
  advance: Action<string, { advanced: number }>;
  preview: Action<string, { total: number; rows: ApplyPreviewRow[] }>;
  apply: Action<string, { summary: ApplyCounts }>;
  close: Action<
    { campaignId: string; reason?: string },
    { counts: Record<string, number>; applied?: ApplyCounts; applyError?: string }
  >;
  extend: Action<{ campaignId: string; endAt: string; reason: string }>;
}
export type ReassignActionFn = Action<
  { campaignId: string; fromReviewerId: string; toUpn: string; mode: "replace" | "add"; reason: string },
  { moved: number }
>;
export type SignOffActionFn = Action<
  { campaignId: string; reviewerId: string; decision: "approve" | "revoke" | "dontknow"; reason: string },
  { decided: number }
>;

const primary = buttonClass("primary");
const secondary = buttonClass("secondary");
const danger = buttonClass("danger");

export function CampaignActions({
  campaignId,
  status,
  stage,
  stageCount,
  canStart,
  startBlocker,
  actions,
}: {
  campaignId: string;
  status: string;
  stage: number;
  stageCount: number;
  canStart: boolean;
  startBlocker: string | null;
  actions: CampaignActionSet;
}) {
  const { pending, note: msg, run } = useAction();
  const [preview, setPreview] = useState<{ total: number; rows: ApplyPreviewRow[] } | null>(null);
  const [closeReason, setCloseReason] = useState("");
  const [extendTo, setExtendTo] = useState("");
  const [extendWhy, setExtendWhy] = useState("");

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2">
        {status === "draft" && (
          <>
            <button
              type="button"
              className={primary}
              disabled={pending || !canStart}
              onClick={() =>
                run(
                  () => actions.start(campaignId),
                  (r: { itemCount: number }) => `Started with ${r.itemCount} items.`,
                )
              }
            >
              Start campaign
            </button>
            <button
              type="button"
              className={secondary}
              disabled={pending}
              onClick={() =>
                confirm("Delete this draft?") &&
                run(
                  () => actions.deleteDraft(campaignId),
                  () => "Draft deleted.",
                )
              }
            >
              Delete draft
            </button>
          </>
        )}
        {status === "active" && (
          <>
            <button
              type="button"
              className={secondary}
              disabled={pending}
              onClick={() =>
                run(
                  () => actions.remind(campaignId),
                  (r: { notified: number }) => `${r.notified} reviewer(s) reminded.`,
                )
              }
            >
              Send reminders
            </button>
            {stage < stageCount && (
              <button
                type="button"
                className={secondary}
                disabled={pending}
                onClick={() =>
                  run(
                    () => actions.advance(campaignId),
                    (r: { advanced: number }) => `${r.advanced} item(s) went on to the next stage.`,
                  )
                }
              >
                Advance to stage {stage + 1}
              </button>
            )}
          </>
        )}
        {(status === "closed" || status === "applied") && (
          <>
            <button
              type="button"
              className={secondary}
              disabled={pending}
              onClick={() =>
                run(
                  () => actions.preview(campaignId),
                  (r) => {
                    setPreview({ total: r.total, rows: r.rows });
                    return undefined;
                  },
                )
              }
            >
              Preview removals (dry run)
            </button>
            <button
              type="button"
              className={danger}
              disabled={pending}
              onClick={() =>
                run(
                  () => actions.apply(campaignId),
                  (r: { summary: ApplyCounts }) =>
                    r.summary.awaitingApproval
                      ? awaiting(r.summary.awaitingApproval)
                      : `Applied: ${r.summary.applied} removed, ${r.summary.alreadyRemoved} already removed, ${r.summary.failed} failed${r.summary.manual ? `, ${r.summary.manual} to remove in Exchange or Active Directory (see below)` : ""}.`,
                )
              }
            >
              {status === "applied" ? "Apply again" : "Apply revocations to Entra"}
            </button>
          </>
        )}
      </div>
      {status === "draft" && startBlocker && (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800 ring-1 ring-amber-200">{startBlocker}</p>
      )}
      {status === "active" && (
        <div className="grid gap-3 md:grid-cols-2">
          <form
            className="flex flex-wrap items-end gap-2 rounded-lg border border-slate-200 bg-white p-3"
            onSubmit={(e) => {
              e.preventDefault();
              run(
                () => actions.close({ campaignId, reason: closeReason || undefined }),
                (r: { counts: Record<string, number>; applied?: ApplyCounts; applyError?: string }) =>
                  `Closed: ${r.counts.approve ?? 0} approved, ${r.counts.revoke ?? 0} revoked, ${r.counts.noResponse ?? 0} without response${r.applied && !r.applied.awaitingApproval ? `; ${r.applied.applied} removed in Entra, ${r.applied.failed} failed` : ""}.${r.applied?.awaitingApproval ? ` ${awaiting(r.applied.awaitingApproval)}` : ""}${r.applyError ? ` Not applied yet: ${r.applyError}` : ""}`,
              );
            }}
          >
            <label className="grow text-sm text-slate-700">
              Close now (reason)
              <input
                className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1 text-sm"
                value={closeReason}
                onChange={(e) => setCloseReason(e.target.value)}
                maxLength={500}
                placeholder="Closed early by the admin"
              />
            </label>
            <button type="submit" className={danger} disabled={pending}>
              Close campaign
            </button>
          </form>
          <form
            className="flex flex-wrap items-end gap-2 rounded-lg border border-slate-200 bg-white p-3"
            onSubmit={(e) => {
              e.preventDefault();
              run(
                () => actions.extend({ campaignId, endAt: new Date(extendTo).toISOString(), reason: extendWhy }),
                () => "Extended.",
              );
            }}
          >
            <label className="text-sm text-slate-700">
              New end
              <input
                type="date"
                required
                className="mt-1 block rounded-md border border-slate-300 px-2 py-1 text-sm"
                value={extendTo}
                onChange={(e) => setExtendTo(e.target.value)}
              />
            </label>
            <label className="grow text-sm text-slate-700">
              Reason
              <input
                required
                className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1 text-sm"
                value={extendWhy}
                onChange={(e) => setExtendWhy(e.target.value)}
                maxLength={500}
              />
            </label>
            <button type="submit" className={secondary} disabled={pending}>
              Extend
            </button>
          </form>
        </div>
      )}
      <Notice note={msg} />
      {preview && (
        <div className="rounded-lg border border-slate-200 bg-white p-3" data-testid="apply-preview">
          <p className="mb-2 text-sm font-medium text-slate-900">
            {preview.total} removal(s) pending
            {preview.total > preview.rows.length ? ` (first ${preview.rows.length} shown)` : ""}
          </p>
          <ul className="max-h-64 overflow-auto text-xs text-slate-700">
            {preview.rows.map((r) => (
              <li key={r.itemId} className="border-t border-slate-100 py-1">
                <span className="font-medium">{r.principalName ?? r.principalUpn}</span> from {r.resourceName} ·{" "}
                <code className="text-slate-500">{r.call}</code>
                {r.applyStatus === "failed" && <span className="ml-1 text-rose-700">(retry)</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

export function ReassignForm({
  campaignId,
  reviewerId,
  reviewerName,
  reassign,
}: {
  campaignId: string;
  reviewerId: string;
  reviewerName: string;
  reassign: ReassignActionFn;
}) {
  const { pending, note, run } = useAction();
  const [to, setTo] = useState("");
  return (
    <form
      className="flex gap-1"
      onSubmit={(e) => {
        e.preventDefault();
        const reason = `Reassigned from ${reviewerName}`;
        run(
          () => reassign({ campaignId, fromReviewerId: reviewerId, toUpn: to, mode: "replace", reason }),
          (r) => `${r.moved} moved`,
        );
      }}
    >
      <input
        aria-label={`Reassign ${reviewerName}'s undecided items to`}
        placeholder="new reviewer UPN"
        className="w-44 rounded border border-slate-300 px-2 py-0.5 text-xs"
        value={to}
        onChange={(e) => setTo(e.target.value)}
      />
      <button
        type="submit"
        disabled={pending || !to}
        className="rounded px-2 py-0.5 text-xs ring-1 ring-slate-300 disabled:opacity-50"
      >
        Reassign
      </button>
      {note && <span className="text-xs text-slate-500">{note.text}</span>}
    </form>
  );
}

/** Escalation: the admin decides a reviewer's undecided items on their behalf, with a reason (audited as forced). */
export function SignOffForm({
  campaignId,
  reviewerId,
  reviewerName,
  undecided,
  signOff,
}: {
  campaignId: string;
  reviewerId: string;
  reviewerName: string;
  undecided: number;
  signOff: SignOffActionFn;
}) {
  const { pending, note, run } = useAction();
  const [decision, setDecision] = useState<"approve" | "revoke" | "dontknow">("revoke");
  const [reason, setReason] = useState("");
  return (
    <form
      className="mt-1 flex gap-1"
      onSubmit={(e) => {
        e.preventDefault();
        if (
          !confirm(
            `Decide ${undecided} undecided item${undecided === 1 ? "" : "s"} of ${reviewerName} as "${decision}" on their behalf?`,
          )
        )
          return;
        run(
          () => signOff({ campaignId, reviewerId, decision, reason }),
          (r) => `${r.decided} decided`,
        );
      }}
    >
      <select
        aria-label={`Decision for ${reviewerName}'s undecided items`}
        className="rounded border border-slate-300 px-1 py-0.5 text-xs"
        value={decision}
        onChange={(e) => setDecision(e.target.value as typeof decision)}
      >
        <option value="revoke">Revoke</option>
        <option value="approve">Approve</option>
        <option value="dontknow">Don&apos;t know</option>
      </select>
      <input
        aria-label={`Reason for signing off ${reviewerName}'s items`}
        placeholder="reason (required)"
        className="w-40 rounded border border-slate-300 px-2 py-0.5 text-xs"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <button
        type="submit"
        disabled={pending || !reason.trim()}
        className="rounded px-2 py-0.5 text-xs ring-1 ring-slate-300 disabled:opacity-50"
      >
        Sign off
      </button>
      {note && <span className="text-xs text-slate-500">{note.text}</span>}
    </form>
  );
}
