"use client";

import { useAction } from "@/components/ui/use-action";
import type { Action } from "@/lib/action";

export interface DeniedGuestRow {
  id: string;
  userId: string;
  userName: string | null;
  campaignId: string;
  status: string;
  deleteAt: string;
  error: string | null;
}

const STATUS: Record<string, string> = {
  blocking: "Blocking",
  blocked: "Blocked; to be deleted",
  deleting: "Deleting",
  deleted: "Deleted",
  restored: "Restored",
  refused: "Refused by the guards",
  failed: "Failed",
};

/**
 * Denied guests (#19): guests a review revoked everything from, blocked and waiting for deletion; an admin may
 * restore one (the deletion is cancelled, sign-in enabled again). Auditors see the list, not the button.
 */
export function DeniedGuests({
  rows,
  restore,
}: {
  rows: DeniedGuestRow[];
  restore?: Action<{ id: string; reason: string }, { reenabled: boolean }>;
}) {
  if (rows.length === 0) return null;
  return (
    <section className="mt-8" aria-labelledby="denied-guests">
      <h2 id="denied-guests" className="text-base font-semibold text-slate-900">
        Denied guests
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        Guests whose every access a review revoked: blocked from signing in, then deleted at the date unless restored.
      </p>
      <div className="mt-3 overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
        <table className="min-w-full text-sm" data-testid="denied-guests">
          <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-600">
            <tr>
              <th className="px-3 py-2">Guest</th>
              <th className="px-3 py-2">State</th>
              <th className="px-3 py-2">Deletion</th>
              <th className="px-3 py-2">Review</th>
              {restore && <th className="px-3 py-2">Action</th>}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((r) => (
              <tr key={r.id}>
                <td className="px-3 py-2 text-slate-900">{r.userName ?? r.userId}</td>
                <td className="px-3 py-2 text-slate-700">
                  {STATUS[r.status] ?? r.status}
                  {r.error && <div className="text-xs text-rose-700">{r.error}</div>}
                </td>
                <td className="whitespace-nowrap px-3 py-2 text-slate-700">{r.deleteAt.slice(0, 10)}</td>
                <td className="px-3 py-2">
                  <a className="text-brand-700 underline" href={`/campaigns/${r.campaignId}`}>
                    Open
                  </a>
                </td>
                {restore && (
                  <td className="px-3 py-2">
                    {["blocked", "failed", "refused"].includes(r.status) && <RestoreButton row={r} restore={restore} />}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function RestoreButton({
  row,
  restore,
}: {
  row: DeniedGuestRow;
  restore: Action<{ id: string; reason: string }, { reenabled: boolean }>;
}) {
  const { pending, note, run } = useAction();
  const onClick = () => {
    const reason = prompt(`Why does ${row.userName ?? row.userId} keep their account?`);
    if (reason)
      run(
        () => restore({ id: row.id, reason }),
        (r) => (r.reenabled ? "Restored; sign-in enabled again." : "Restored; enable sign-in in Entra."),
      );
  };
  return (
    <span className="flex flex-col gap-1 text-xs">
      <button type="button" disabled={pending} className="text-brand-700 underline" onClick={onClick}>
        Restore
      </button>
      {note && <span className="text-slate-600">{note.text}</span>}
    </span>
  );
}
