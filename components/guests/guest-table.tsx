"use client";

import { buttonClass } from "@/components/ui/button";
import { useRouter } from "next/navigation";
import { useMemo, useState, useTransition } from "react";
import type { ColumnDef, RowSelectionState } from "@tanstack/react-table";
import { selectColumn, TableView, useSelectableTable } from "@/components/data-table/data-table";
import type { GuestRow } from "@/lib/guests/inventory";
import type { Action } from "@/lib/action";
import type { SetExpiryInput } from "@/lib/guests/expiry";
import type { ExpiryActionSet } from "./expiry-controls";

/** The guests page's server actions, passed down by the page. */
export interface GuestActionSet extends ExpiryActionSet {
  setExpiry: Action<SetExpiryInput, { scheduled: number; awaitingApproval?: { approvalId: string; accounts: number } }>;
}
import { ExpiryControls } from "./expiry-controls";

const fmt = (iso: string | null) =>
  iso ? new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" }) : "Never";

export function GuestTable({
  rows,
  companies,
  canEdit,
  actions,
}: {
  rows: GuestRow[];
  companies: string[];
  canEdit: boolean;
  actions: GuestActionSet;
}) {
  const router = useRouter();
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [pending, start] = useTransition();
  const [target, setTarget] = useState<"selected" | "company">("selected");
  const [company, setCompany] = useState(companies[0] ?? "");
  const [date, setDate] = useState("");
  const [block, setBlock] = useState(false);
  const [reason, setReason] = useState("");
  const [confirm, setConfirm] = useState("");
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const selected = Object.keys(selection).filter((k) => selection[k]);

  // Keyed on canEdit only: the actions are the page's server-action references, and a new copy of them after
  // each refresh must not remount every row's controls (their notes would vanish).
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above.
  const columns = useMemo<ColumnDef<GuestRow>[]>(
    () => [
      ...(canEdit ? [selectColumn<GuestRow>((r) => `Select ${r.displayName ?? r.id}`)] : []),
      {
        id: "name",
        header: "Guest",
        cell: ({ row: { original: r } }) => (
          <div>
            <div className="font-medium text-slate-900">{r.displayName}</div>
            <div className="text-xs text-slate-500">{r.mail}</div>
          </div>
        ),
      },
      {
        id: "company",
        header: "Company",
        cell: ({ row: { original: r } }) => (
          <span>
            {r.companyName ?? "—"}
            {r.employeeType ? <span className="ml-1 text-xs text-slate-500">({r.employeeType})</span> : null}
          </span>
        ),
      },
      {
        id: "sponsors",
        header: "Sponsors",
        cell: ({ row: { original: r } }) =>
          r.sponsors.length ? (
            r.sponsors.join(", ")
          ) : (
            <span className="rounded bg-amber-50 px-1.5 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-amber-200">
              No sponsor
            </span>
          ),
      },
      {
        id: "state",
        header: "Invitation",
        cell: ({ row: { original: r } }) => (
          <span>
            {r.state === "PendingAcceptance" ? <span className="text-amber-700">Pending</span> : (r.state ?? "—")}
            {!r.accountEnabled && <span className="ml-1 text-xs text-rose-700">disabled</span>}
          </span>
        ),
      },
      {
        id: "created",
        header: "Invited",
        cell: ({ row: { original: r } }) => <span className="whitespace-nowrap">{fmt(r.createdAt)}</span>,
      },
      {
        id: "lastSignIn",
        header: "Last sign-in",
        cell: ({ row: { original: r } }) => <span className="whitespace-nowrap">{fmt(r.lastSignInAt)}</span>,
      },
      {
        id: "holds",
        header: "Holds",
        cell: ({ row: { original: r } }) => (
          <span className="whitespace-nowrap">
            {r.groups} groups · {r.apps} apps · {r.roles} roles
          </span>
        ),
      },
      {
        id: "expires",
        header: "Access ends",
        cell: ({ row: { original: r } }) =>
          r.expiresAt ? (
            <div>
              <span className="whitespace-nowrap font-medium text-rose-700">{fmt(r.expiresAt)}</span>
              {canEdit && r.expiryId && (
                <ExpiryControls expiryId={r.expiryId} userId={r.id} name={r.displayName ?? r.id} actions={actions} />
              )}
            </div>
          ) : (
            "—"
          ),
      },
    ],
    [canEdit],
  );
  const table = useSelectableTable(
    rows,
    columns as ColumnDef<(typeof rows)[number], unknown>[],
    selection,
    setSelection,
  );

  return (
    <div>
      {canEdit && (
        <form
          aria-label="Access end date"
          className="mb-4 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm"
          onSubmit={(e) => {
            e.preventDefault();
            setMsg(null);
            start(async () => {
              const r = await actions.setExpiry({
                ...(target === "company" ? { companyName: company } : { userIds: selected }),
                expiresAt: date ? new Date(`${date}T00:00:00`).toISOString() : "",
                blockSignIn: block,
                reason,
                confirm,
              } as never);
              setMsg(
                !r.ok
                  ? { ok: false, text: r.error }
                  : r.awaitingApproval
                    ? {
                        ok: true,
                        text: `This ends the access of ${r.awaitingApproval.accounts} people: it waits for a second admin's approval (Approvals). Nothing is scheduled until then.`,
                      }
                    : {
                        ok: true,
                        text: `Access of ${r.scheduled} ${r.scheduled === 1 ? "person" : "people"} ends on ${date}.`,
                      },
              );
              if (r.ok) setSelection({});
              router.refresh();
            });
          }}
        >
          <label className="text-sm text-slate-700">
            End access of
            <select
              aria-label="Whose access"
              className="mt-1 block rounded-md border border-slate-300 px-2 py-1.5 text-sm"
              value={target}
              onChange={(e) => setTarget(e.target.value as typeof target)}
            >
              <option value="selected">the {selected.length} selected</option>
              <option value="company">everyone from a company</option>
            </select>
          </label>
          {target === "company" && (
            <label className="text-sm text-slate-700">
              Company
              <select
                aria-label="Company"
                className="mt-1 block rounded-md border border-slate-300 px-2 py-1.5 text-sm"
                value={company}
                onChange={(e) => setCompany(e.target.value)}
              >
                {companies.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            </label>
          )}
          <label className="text-sm text-slate-700">
            On
            <input
              aria-label="End date"
              type="date"
              required
              className="mt-1 block rounded-md border border-slate-300 px-2 py-1 text-sm"
              value={date}
              onChange={(e) => setDate(e.target.value)}
            />
          </label>
          <label className="grow text-sm text-slate-700">
            Reason
            <input
              aria-label="Reason"
              required
              maxLength={500}
              className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1 text-sm"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              placeholder="Contract ends"
            />
          </label>
          <label className="text-sm text-slate-700">
            Confirm
            <input
              aria-label="Typed confirmation"
              maxLength={300}
              className="mt-1 block w-56 rounded-md border border-slate-300 px-2 py-1 text-sm"
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
              placeholder="only when asked"
            />
          </label>
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={block} onChange={(e) => setBlock(e.target.checked)} /> Also block sign-in
          </label>
          <button type="submit" disabled={pending} className={buttonClass("danger")}>
            Set end date
          </button>
          {msg && (
            <p
              role={msg.ok ? "status" : "alert"}
              className={`basis-full text-sm ${msg.ok ? "text-emerald-700" : "text-rose-700"}`}
            >
              {msg.text}
            </p>
          )}
        </form>
      )}
      <TableView table={table} empty="No guests match." testId="guests" />
    </div>
  );
}
