"use client";

import { buttonClass } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Notice } from "@/components/ui/notice";
import { useRouter } from "next/navigation";
import {
  type Dispatch,
  type SetStateAction,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  useTransition,
} from "react";
import type { ColumnDef, RowSelectionState } from "@tanstack/react-table";
import { selectColumn, TableView, useSelectableTable } from "@/components/data-table/data-table";
import type { ReviewItemRow } from "@/lib/reviews/queries";
import { hasOtherPaths, pathNames } from "@/lib/reviews/nested-path";
import type { Action } from "@/lib/action";
import type { ItemContext } from "@/lib/reviews/item-context";

type DecisionReply = { decided: number; skipped: number };
/** The review page's server actions, passed down by the page. */
export interface ReviewActionSet {
  decide: Action<
    {
      campaignId: string;
      itemIds: string[];
      decision: "approve" | "revoke" | "dontknow" | "recommendation";
      justification?: string;
      /** Revoking access held through nested groups: which membership goes (absent: an admin's manual task). */
      revokeVia?: "member" | "nesting";
    },
    DecisionReply
  >;
  acceptAll: Action<{ campaignId: string }, DecisionReply>;
  /** The context of one item (#18): person, peers, other access, the previous decision. */
  context?: Action<{ campaignId: string; itemId: string }, ItemContext>;
  /** Absent when the campaign does not allow reviewers to hand items over. */
  delegate?: Action<
    { campaignId: string; itemIds: string[]; toUpn: string; reason: string },
    { delegated: number; to: { id: string; name: string } }
  >;
}

type Decision = "approve" | "revoke" | "dontknow";
const LABEL: Record<Decision, string> = { approve: "Approve", revoke: "Revoke", dontknow: "Don't know" };
const REC_STYLE: Record<string, string> = {
  approve: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  revoke: "bg-rose-50 text-rose-700 ring-rose-200",
  no_data: "bg-slate-100 text-slate-600 ring-slate-200",
};
const DEC_STYLE: Record<string, string> = {
  approve: "text-emerald-700",
  revoke: "text-rose-700",
  dontknow: "text-amber-700",
};
const REC_LABEL: Record<string, string> = { approve: "Approve", revoke: "Revoke", no_data: "No data" };

function fmtDate(iso: string | null): string {
  if (!iso) return "Never";
  return new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

export function ReviewTable({
  campaignId,
  rows,
  justification,
  editable,
  actions,
}: {
  actions: ReviewActionSet;
  campaignId: string;
  rows: ReviewItemRow[];
  justification: { onApprove: boolean; onRevoke: boolean };
  editable: boolean;
}) {
  const router = useRouter();
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [cursor, setCursor] = useState(0);
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [dialog, setDialog] = useState<{ decision: Decision; ids: string[] } | null>(null);
  const [handOver, setHandOver] = useState<{ ids: string[] } | null>(null);
  const [reason, setReason] = useState("");
  const [revokeVia, setRevokeVia] = useState<"" | "member" | "nesting">("");
  const tableRef = useRef<HTMLTableElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page of rows (paging, filters) clears the selection.
  useEffect(() => setSelection({}), [rows]);

  const selectedIds = useMemo(() => Object.keys(selection).filter((k) => selection[k]), [selection]);

  const submit = useCallback(
    (decision: Decision | "recommendation", ids: string[], text?: string, via?: "member" | "nesting") => {
      setMessage(null);
      startTransition(async () => {
        const r = await actions.decide({
          campaignId,
          itemIds: ids,
          decision,
          justification: text || undefined,
          ...(via ? { revokeVia: via } : {}),
        });
        if (r.ok) {
          setMessage({
            kind: "ok",
            text: `${r.decided} item${r.decided === 1 ? "" : "s"} decided${r.skipped ? `, ${r.skipped} without a recommendation left as they were` : ""}.`,
          });
          setDialog(null);
          setReason("");
          setRevokeVia("");
          router.refresh();
        } else setMessage({ kind: "error", text: r.error });
      });
    },
    [campaignId, router, actions.decide],
  );

  const ask = useCallback(
    (decision: Decision, ids: string[]) => {
      if (ids.length === 0)
        return setMessage({
          kind: "error",
          text: "Select at least one item first (click the checkboxes, or press x).",
        });
      const needs =
        (decision === "approve" && justification.onApprove) || (decision === "revoke" && justification.onRevoke);
      if (needs || decision === "revoke") setDialog({ decision, ids });
      else submit(decision, ids);
    },
    [justification, submit],
  );

  const [contextFor, setContextFor] = useState<ReviewItemRow | null>(null);
  const openContext = actions.context ? setContextFor : undefined;
  const columns = useMemo(
    () => reviewColumns({ ask, editable, pending, openContext }),
    [ask, editable, pending, openContext],
  );

  // Sorting and filtering happen on the server; the table renders the page it is given.
  const table = useSelectableTable(
    rows,
    columns as ColumnDef<ReviewItemRow, unknown>[],
    selection,
    setSelection,
    editable,
  );

  useReviewShortcuts({
    editable,
    paused: Boolean(dialog || handOver || contextFor),
    rows,
    cursor,
    setCursor,
    selectedIds,
    setSelection,
    ask,
  });

  return (
    <div>
      {editable && (
        <div
          className="sticky top-0 z-10 mb-3 flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 bg-white/95 p-2 shadow-sm backdrop-blur"
          role="toolbar"
          aria-label="Bulk decisions"
        >
          <span className="px-2 text-sm text-slate-600" data-testid="selected-count">
            {selectedIds.length} selected
          </span>
          <button
            type="button"
            disabled={pending}
            onClick={() => ask("approve", selectedIds)}
            className="rounded-md bg-emerald-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-emerald-800 disabled:opacity-50"
          >
            Approve selected
          </button>
          <button
            type="button"
            disabled={pending}
            onClick={() => ask("revoke", selectedIds)}
            className={buttonClass("danger")}
          >
            Revoke selected
          </button>
          <button
            type="button"
            disabled={pending}
            onClick={() => ask("dontknow", selectedIds)}
            className={buttonClass("secondary")}
          >
            Don&apos;t know
          </button>
          <span className="mx-1 h-5 w-px bg-slate-200" />
          <button
            type="button"
            disabled={pending}
            onClick={() =>
              startTransition(async () => {
                const r = await actions.acceptAll({ campaignId });
                setMessage(
                  r.ok
                    ? { kind: "ok", text: `${r.decided} recommendation${r.decided === 1 ? "" : "s"} accepted.` }
                    : { kind: "error", text: r.error },
                );
                router.refresh();
              })
            }
            className="rounded-md bg-white px-3 py-1.5 text-sm font-medium text-brand-700 ring-1 ring-brand-200 hover:bg-brand-50 disabled:opacity-50"
          >
            Accept all recommendations
          </button>
          {actions.delegate ? (
            <button
              type="button"
              disabled={pending}
              onClick={() => {
                setMessage(null);
                setHandOver({ ids: selectedIds });
              }}
              className={buttonClass("secondary")}
            >
              {selectedIds.length ? "Hand selected to a colleague…" : "Hand all to a colleague…"}
            </button>
          ) : null}
          <span className="ml-auto hidden text-xs text-slate-500 md:inline">
            Keys: j/k move · x select · a approve · r revoke · d don&apos;t know
          </span>
        </div>
      )}
      {message && !dialog && !handOver && (
        <p
          role={message.kind === "error" ? "alert" : "status"}
          className={`mb-3 rounded-md px-3 py-2 text-sm ${message.kind === "error" ? "bg-rose-50 text-rose-800 ring-1 ring-rose-200" : "bg-emerald-50 text-emerald-800 ring-1 ring-emerald-200"}`}
        >
          {message.text}
        </p>
      )}
      <TableView
        table={table}
        tableRef={tableRef}
        empty="No items match these filters."
        testId="review-items"
        cards
        rowProps={(row, i) => ({
          "data-item-id": row.id,
          className: `${i === cursor ? "bg-brand-50/60" : "hover:bg-slate-50"} ${row.getIsSelected() ? "bg-sky-50" : ""}`,
          onClick: () => setCursor(i),
        })}
      />
      {handOver && actions.delegate && (
        <DelegateDialog
          count={handOver.ids.length}
          error={message?.kind === "error" ? message.text : null}
          pending={pending}
          onSubmit={(toUpn, why) =>
            startTransition(async () => {
              const r = await actions.delegate!({ campaignId, itemIds: handOver.ids, toUpn, reason: why });
              if (!r.ok) {
                setMessage({ kind: "error", text: r.error });
                return;
              }
              setHandOver(null);
              setSelection({});
              setMessage({
                kind: "ok",
                text: `${r.delegated} item${r.delegated === 1 ? "" : "s"} handed to ${r.to.name}.`,
              });
              router.refresh();
            })
          }
          onClose={() => {
            setHandOver(null);
            setMessage(null);
          }}
        />
      )}
      {contextFor && actions.context && (
        <ContextDialog
          row={contextFor}
          campaignId={campaignId}
          load={actions.context}
          onClose={() => setContextFor(null)}
        />
      )}
      {dialog && (
        <JustificationDialog
          decision={dialog.decision}
          count={dialog.ids.length}
          required={
            (dialog.decision === "approve" && justification.onApprove) ||
            (dialog.decision === "revoke" && justification.onRevoke)
          }
          reason={reason}
          setReason={setReason}
          nested={
            dialog.decision === "revoke"
              ? rows.filter((r) => dialog.ids.includes(r.id) && r.resourceType === "groupNested")
              : []
          }
          revokeVia={revokeVia}
          setRevokeVia={setRevokeVia}
          error={message?.kind === "error" ? message.text : null}
          pending={pending}
          onSubmit={() => submit(dialog.decision, dialog.ids, reason, revokeVia || undefined)}
          onClose={() => {
            setDialog(null);
            setMessage(null);
            setRevokeVia("");
          }}
        />
      )}
    </div>
  );
}

/** The review list's columns: who, what access, the evidence (sign-in, recommendation), the decision and its buttons. */
function reviewColumns({
  ask,
  editable,
  pending,
  openContext,
}: {
  ask: (decision: Decision, ids: string[]) => void;
  editable: boolean;
  pending: boolean;
  openContext?: (r: ReviewItemRow) => void;
}): ColumnDef<ReviewItemRow, unknown>[] {
  return [
    selectColumn<ReviewItemRow>(
      (r) => `Select ${r.principalName ?? r.principalId} in ${r.resourceName ?? ""}`,
      !editable,
    ),
    {
      id: "principal",
      header: "Who",
      cell: ({ row: { original: r } }) => (
        <div>
          <div className="flex items-center gap-2">
            <span className="font-medium text-slate-900" data-testid="principal-name">
              {r.principalName ?? r.principalId}
            </span>
            {openContext && (
              <button
                type="button"
                onClick={(e) => {
                  e.stopPropagation();
                  openContext(r);
                }}
                aria-label={`Context for ${r.principalName ?? r.principalId} in ${r.resourceName ?? r.resourceId}`}
                className="rounded px-1.5 py-0.5 text-xs font-medium text-brand-700 ring-1 ring-brand-200 hover:bg-brand-50"
              >
                Context
              </button>
            )}
          </div>
          <div className="text-xs text-slate-600">
            {r.principalUpn ??
              (r.principalType === "group"
                ? "Nested group"
                : r.principalType === "servicePrincipal"
                  ? "App (service principal)"
                  : r.principalId)}
            {r.principalKind === "guest" && (
              <span className="ml-1 rounded bg-violet-50 px-1.5 py-0.5 text-[10px] font-semibold uppercase text-violet-700 ring-1 ring-violet-200">
                Guest
              </span>
            )}
            {r.isNew && (
              <span
                title="New since the last review: no earlier campaign reviewed this access"
                data-testid="new-badge"
                className="ml-1 rounded bg-amber-50 px-1.5 py-0.5 text-[10px] font-semibold uppercase text-amber-800 ring-1 ring-amber-200"
              >
                New
              </span>
            )}
          </div>
        </div>
      ),
    },
    {
      id: "resource",
      header: "Access",
      cell: ({ row: { original: r } }) => (
        <div>
          <div className="text-slate-900">{r.resourceName ?? r.resourceId}</div>
          <div className="text-xs text-slate-600">
            {r.resourceType === "group"
              ? r.accessDetail && r.accessDetail !== "member"
                ? `Group ${r.accessDetail}`
                : "Group member"
              : r.resourceType === "groupEligible"
                ? `Group member · ${r.accessDetail ?? "eligible"} (PIM)`
                : r.resourceType === "groupOwnerEligible"
                  ? `Group owner · ${r.accessDetail ?? "eligible"} (PIM)`
                  : r.resourceType === "groupNested"
                    ? `Group member ${r.accessDetail ?? "via a nested group"}`
                    : r.resourceType === "directoryRole" || r.resourceType === "directoryRoleEligible"
                      ? `Directory role · ${r.accessDetail ?? ""}`
                      : `App role · ${r.accessDetail ?? ""}`}
          </div>
          {r.goneFromEntra && (
            <span
              className="mt-1 inline-block whitespace-nowrap rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-600 ring-1 ring-slate-200"
              title="A sync since the campaign started no longer finds this access in Entra."
              data-testid="gone-from-entra"
            >
              Already removed in Entra
            </span>
          )}
        </div>
      ),
    },
    {
      id: "lastSignIn",
      header: "Last sign-in",
      cell: ({ row: { original: r } }) => (
        <span className="whitespace-nowrap text-slate-700">
          {r.principalType === "user" ? fmtDate(r.lastSignInAt) : "—"}
        </span>
      ),
    },
    {
      id: "recommendation",
      header: "Recommendation",
      cell: ({ row: { original: r } }) => (
        <div className="max-w-xs">
          <span
            className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${REC_STYLE[r.recommendation] ?? REC_STYLE.no_data}`}
          >
            {REC_LABEL[r.recommendation] ?? r.recommendation}
          </span>
          <div className="mt-1 text-xs text-slate-600">{r.recommendationReason}</div>
        </div>
      ),
    },
    {
      id: "decision",
      header: "Decision",
      cell: ({ row: { original: r } }) => (
        <div className="max-w-xs" data-testid="decision-cell">
          {r.decision ? (
            <span className={`font-medium ${DEC_STYLE[r.decision] ?? ""}`}>
              {LABEL[r.decision as Decision] ?? r.decision}
            </span>
          ) : (
            <span className="text-slate-600">Not decided</span>
          )}
          {r.justification && <div className="mt-1 text-xs text-slate-600">“{r.justification}”</div>}
          {r.earlier.map((e) => (
            <div key={e.stage} className="mt-1 text-xs text-slate-600">
              Stage {e.stage}: {e.decision ? LABEL[e.decision as Decision] : "no decision"}
              {e.by ? ` by ${e.by}` : ""}
            </div>
          ))}
          <div className="mt-1 text-[11px] uppercase tracking-wide text-slate-600">as {r.relation}</div>
        </div>
      ),
    },
    {
      id: "actions",
      header: "",
      cell: ({ row: { original: r } }) =>
        editable ? (
          <div className="flex gap-1">
            {(["approve", "revoke", "dontknow"] as const).map((d) => (
              <button
                key={d}
                type="button"
                onClick={() => ask(d, [r.id])}
                disabled={pending}
                aria-label={`${LABEL[d]} ${r.principalName ?? r.principalId} in ${r.resourceName ?? ""}`}
                className={`rounded-md px-2 py-1 text-xs font-medium ring-1 ${r.decision === d ? "bg-slate-900 text-white ring-slate-900" : "bg-white text-slate-700 ring-slate-200 hover:bg-slate-50"}`}
              >
                {LABEL[d]}
              </button>
            ))}
          </div>
        ) : null,
    },
  ];
}

/** Keyboard: j/k move, x select, a approve, r revoke, d don't know (the selection, else the current row). */
function useReviewShortcuts({
  editable,
  paused,
  rows,
  cursor,
  setCursor,
  selectedIds,
  setSelection,
  ask,
}: {
  editable: boolean;
  /** While a dialog is open, keys belong to it. */
  paused: boolean;
  rows: ReviewItemRow[];
  cursor: number;
  setCursor: Dispatch<SetStateAction<number>>;
  selectedIds: string[];
  setSelection: Dispatch<SetStateAction<RowSelectionState>>;
  ask: (decision: Decision, ids: string[]) => void;
}) {
  useEffect(() => {
    if (!editable) return;
    const onKey = (e: KeyboardEvent) => {
      if (paused || e.metaKey || e.ctrlKey || e.altKey) return;
      const t = e.target as HTMLElement;
      if (t.closest("input[type=text], input[type=search], textarea, select")) return;
      const current = rows[cursor];
      const targets = selectedIds.length ? selectedIds : current ? [current.id] : [];
      if (e.key === "j") setCursor((c) => Math.min(rows.length - 1, c + 1));
      else if (e.key === "k") setCursor((c) => Math.max(0, c - 1));
      else if (e.key === "x" && current) setSelection((s) => ({ ...s, [current.id]: !s[current.id] }));
      else if (e.key === "a") ask("approve", targets);
      else if (e.key === "r") ask("revoke", targets);
      else if (e.key === "d") ask("dontknow", targets);
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [ask, cursor, paused, editable, rows, selectedIds, setCursor, setSelection]);
}

/** Asks for the justification of a decision (required where the campaign says so); keys go to it while open. */
function JustificationDialog({
  decision,
  count,
  required,
  reason,
  setReason,
  nested,
  revokeVia,
  setRevokeVia,
  error,
  pending,
  onSubmit,
  onClose,
}: {
  decision: Decision;
  count: number;
  required: boolean;
  reason: string;
  setReason: (v: string) => void;
  /** The selected items held through nested groups (revoke only): the reviewer may choose which membership goes. */
  nested: ReviewItemRow[];
  revokeVia: "" | "member" | "nesting";
  setRevokeVia: (v: "" | "member" | "nesting") => void;
  error: string | null;
  pending: boolean;
  onSubmit: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog open title={`${LABEL[decision]} ${count} item${count === 1 ? "" : "s"}`} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <p className="text-sm text-slate-600">
          {decision === "revoke" ? "Revoked access is removed from Entra when the campaign closes. " : ""}
          {required ? "This campaign requires a justification." : "A justification is optional."}
        </p>
        <label className="mt-4 block text-sm font-medium text-slate-700" htmlFor="justification">
          Justification
        </label>
        {/* The first field of the dialog: showModal() puts the focus here. */}
        <textarea
          id="justification"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={2000}
          rows={3}
          className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
        />
        {nested.length > 0 && <NestedChoice nested={nested} revokeVia={revokeVia} setRevokeVia={setRevokeVia} />}
        <DialogFooter
          error={error}
          pending={pending}
          onClose={onClose}
          submit={`Confirm ${LABEL[decision].toLowerCase()}`}
          variant={decision === "revoke" ? "danger" : "primary"}
        />
      </form>
    </Dialog>
  );
}

/**
 * Revoking access held through nested groups (#19): no single membership is "the" access, so the reviewer chooses, and
 * sees what each choice takes away. For one item the groups are named; for several, the rule is described.
 */
function NestedChoice({
  nested,
  revokeVia,
  setRevokeVia,
}: {
  nested: ReviewItemRow[];
  revokeVia: "" | "member" | "nesting";
  setRevokeVia: (v: "" | "member" | "nesting") => void;
}) {
  const one = nested.length === 1 ? nested[0]! : null;
  const path = one ? pathNames(one.accessDetail) : [];
  const who = one ? (one.principalName ?? one.principalUpn ?? "this person") : "each person";
  const first = path[0] || "the nested group";
  const last = path[path.length - 1] || "the group they are in";
  const options: { value: "" | "member" | "nesting"; label: string; effect: string }[] = [
    {
      value: "",
      label: "Let an admin decide",
      effect: "Nothing is removed automatically: the revocation becomes a task for an admin.",
    },
    {
      value: "member",
      label: one ? `Remove ${who} from ${last}` : "Remove each person from the group they are a direct member of",
      effect: one
        ? `Also ends everything else ${last} gives ${who}.`
        : "Also ends everything else that group gives them.",
    },
    {
      value: "nesting",
      label: one
        ? `Remove ${first} from ${one.resourceName ?? "this group"}`
        : "Remove the nested group from the reviewed group",
      effect: one
        ? `Ends this access for every member of ${first}, not only ${who}.`
        : "Ends this access for every member of that nested group.",
    },
  ];
  if (one && hasOtherPaths(one.accessDetail))
    return (
      <p className="mt-4 text-sm text-slate-700" data-testid="nested-choice">
        {who} reaches this group through more than one nested path ({one.accessDetail}): no single removal ends the
        access, so an admin decides what to remove.
      </p>
    );
  return (
    <fieldset className="mt-4" data-testid="nested-choice">
      <legend className="text-sm font-medium text-slate-700">
        {nested.length === 1
          ? `${who} has this access through nested groups (${one!.accessDetail ?? ""}).`
          : `${nested.length} of these items are held through nested groups.`}{" "}
        Which membership goes?
      </legend>
      <div className="mt-2 space-y-2">
        {options.map((o) => (
          <label key={o.value || "admin"} className="flex items-start gap-2 text-sm text-slate-700">
            <input
              type="radio"
              name="revokeVia"
              className="mt-1"
              checked={revokeVia === o.value}
              onChange={() => setRevokeVia(o.value)}
            />
            <span>
              {o.label}
              <span className="block text-xs text-slate-500">{o.effect}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** Hand items to a colleague (#18): their sign-in name and a reason, both required. */
function DelegateDialog({
  count,
  error,
  pending,
  onSubmit,
  onClose,
}: {
  count: number;
  error: string | null;
  pending: boolean;
  onSubmit: (toUpn: string, reason: string) => void;
  onClose: () => void;
}) {
  const [toUpn, setToUpn] = useState("");
  const [why, setWhy] = useState("");
  return (
    <Dialog
      open
      title={
        count
          ? `Hand ${count} item${count === 1 ? "" : "s"} to a colleague`
          : "Hand all my undecided items to a colleague"
      }
      onClose={onClose}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit(toUpn, why);
        }}
      >
        <p className="text-sm text-slate-600">
          They review these items instead of you; the audit log records both names and your reason. Nobody can be handed
          their own access.
        </p>
        <label className="mt-4 block text-sm font-medium text-slate-700" htmlFor="delegate-upn">
          Colleague (sign-in name)
        </label>
        <input
          id="delegate-upn"
          type="email"
          required
          autoComplete="off"
          value={toUpn}
          onChange={(e) => setToUpn(e.target.value)}
          maxLength={320}
          className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
        />
        <label className="mt-3 block text-sm font-medium text-slate-700" htmlFor="delegate-reason">
          Reason
        </label>
        <textarea
          id="delegate-reason"
          required
          value={why}
          onChange={(e) => setWhy(e.target.value)}
          maxLength={1000}
          rows={3}
          className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
        />
        <DialogFooter error={error} pending={pending} onClose={onClose} submit="Hand over" variant="primary" />
      </form>
    </Dialog>
  );
}

const when = (iso: string | null) =>
  iso ? new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" }) : "Never";
const who = (p: { name: string | null; upn: string | null } | null) =>
  p ? `${p.name ?? "?"}${p.upn ? ` (${p.upn})` : ""}` : "None";

/** The context of one item (#18): everything a reviewer should see before deciding, loaded when opened. */
function ContextDialog({
  row,
  campaignId,
  load,
  onClose,
}: {
  row: ReviewItemRow;
  campaignId: string;
  load: NonNullable<ReviewActionSet["context"]>;
  onClose: () => void;
}) {
  const [data, setData] = useState<ItemContext | null>(null);
  const [error, setError] = useState<string | null>(null);
  const itemId = row.id;
  useEffect(() => {
    let live = true;
    load({ campaignId, itemId }).then((r) => {
      if (!live) return;
      if (r.ok) setData(r);
      else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [load, campaignId, itemId]);
  const p = data?.principal;
  const peers = (x: { holding: number; of: number } | null) =>
    x ? `${x.holding} of ${x.of} hold this access` : "Not known";
  return (
    <Dialog
      open
      title={`${row.principalName ?? row.principalId}: ${row.resourceName ?? row.resourceId}`}
      onClose={onClose}
    >
      <div data-testid="item-context" className="max-h-[70vh] overflow-y-auto text-sm">
        {error && <Notice note={{ ok: false, text: error }} />}
        {!data && !error && <p className="text-slate-500">Loading…</p>}
        {data && p && (
          <>
            <dl className="grid grid-cols-[9.5rem_1fr] gap-x-3 gap-y-1">
              <dt className="text-slate-500">Job title</dt>
              <dd>{p.jobTitle ?? "—"}</dd>
              <dt className="text-slate-500">Department</dt>
              <dd>{p.department ?? "—"}</dd>
              <dt className="text-slate-500">Manager</dt>
              <dd>{who(p.manager)}</dd>
              <dt className="text-slate-500">Account</dt>
              <dd>
                {p.accountEnabled === null ? "—" : p.accountEnabled ? "Enabled" : "Disabled"} ·{" "}
                {p.kind === "guest" ? "Guest" : p.type === "group" ? "Group" : "Member"}
              </dd>
              {p.kind === "guest" && (
                <>
                  <dt className="text-slate-500">Sponsors</dt>
                  <dd>{p.sponsors.length ? p.sponsors.map(who).join(", ") : "None"}</dd>
                </>
              )}
              <dt className="text-slate-500">Last sign-in</dt>
              <dd>
                {when(p.lastSignInAt)} (interactive), {when(p.lastNonInteractiveSignInAt)} (non-interactive)
              </dd>
              <dt className="text-slate-500">MFA</dt>
              <dd>
                {p.mfa === null
                  ? "Not known"
                  : p.mfa.registered
                    ? `Registered (${p.mfa.methods.join(", ") || "methods not reported"})`
                    : "Not registered"}
              </dd>
              <dt className="text-slate-500">Same manager</dt>
              <dd data-testid="peers-manager">{peers(data.peers.sameManager)}</dd>
              <dt className="text-slate-500">Same department</dt>
              <dd data-testid="peers-department">{peers(data.peers.sameDepartment)}</dd>
            </dl>
            <h3 className="mt-4 font-semibold text-slate-900">Other access</h3>
            <p className="text-slate-700">
              Groups: {data.otherAccess.groups.join(", ") || "none"}. Apps: {data.otherAccess.apps.join(", ") || "none"}
              . Directory roles: {data.otherAccess.roles.join(", ") || "none"}
              {data.otherAccess.more ? ` (and ${data.otherAccess.more} more)` : ""}.
            </p>
            <h3 className="mt-4 font-semibold text-slate-900">Last review of this access</h3>
            <p className="text-slate-700" data-testid="previous-decision">
              {data.previous
                ? `${data.previous.campaignName}: ${data.previous.decision ?? `no decision (outcome ${data.previous.outcome ?? "none"})`}${data.previous.by ? ` by ${data.previous.by}` : ""}${data.previous.at ? ` on ${when(data.previous.at)}` : ""}${data.previous.justification ? `: “${data.previous.justification}”` : ""}`
                : "New since the last review: no earlier campaign reviewed this access."}
            </p>
          </>
        )}
        <div className="mt-4 flex justify-end">
          <button type="button" onClick={onClose} className={buttonClass("secondary")}>
            Close
          </button>
        </div>
      </div>
    </Dialog>
  );
}

/** The end of a dialog's form: its error, Cancel, and the submit button. */
function DialogFooter({
  error,
  pending,
  onClose,
  submit,
  variant,
}: {
  error: string | null;
  pending: boolean;
  onClose: () => void;
  submit: string;
  variant: "primary" | "danger";
}) {
  return (
    <>
      {error && <Notice note={{ ok: false, text: error }} className="mt-2" />}
      <div className="mt-4 flex justify-end gap-2">
        <button type="button" onClick={onClose} className={buttonClass("secondary")}>
          Cancel
        </button>
        <button type="submit" disabled={pending} className={buttonClass(variant)}>
          {submit}
        </button>
      </div>
    </>
  );
}
