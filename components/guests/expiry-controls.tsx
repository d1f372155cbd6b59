"use client";

import { useAction } from "@/components/ui/use-action";
import type { Action } from "@/lib/action";

export interface ExpiryActionSet {
  preview: Action<
    { userId: string; blockSignIn: boolean },
    { items: { kind: string; target: string; manual?: string }[] }
  >;
  extend: Action<{ expiryId: string; expiresAt: string; reason: string }>;
  cancel: Action<{ expiryId: string; reason: string }>;
}

/** What each kind of access in an expiry's plan is called in the preview (lib/guests/expiry.ts ExpiryPlanItem). */
const KIND: Record<string, string> = {
  group: "member of",
  app: "app role in",
  role: "directory role",
  roleEligible: "eligible for the role",
  groupEligible: "eligible (PIM) for",
  block: "block the sign-in of",
};

/** Per person with an end date: preview what will be removed, extend with a reason, or cancel. Admins only. */
export function ExpiryControls({
  expiryId,
  userId,
  name,
  actions,
}: {
  expiryId: string;
  userId: string;
  name: string;
  actions: ExpiryActionSet;
}) {
  const { pending, note, run } = useAction();
  const preview = () =>
    run(
      () => actions.preview({ userId, blockSignIn: false }),
      (r) =>
        r.items.length
          ? `Will remove: ${r.items.map((i) => `${KIND[i.kind] ?? i.kind} ${i.target}${i.manual ? ` (by hand, in ${i.manual})` : ""}`).join(", ")}`
          : "Holds nothing to remove.",
      { refresh: false },
    );
  const extend = () => {
    const date = prompt(`New end date for ${name} (YYYY-MM-DD)`);
    const reason = date ? (prompt("Reason for the extension") ?? "") : "";
    if (date)
      run(
        () => actions.extend({ expiryId, expiresAt: new Date(`${date}T00:00:00`).toISOString(), reason }),
        () => "Extended.",
      );
  };
  const cancel = () => {
    const reason = prompt(`Why does ${name}'s access no longer end?`);
    if (reason)
      run(
        () => actions.cancel({ expiryId, reason }),
        () => "Cancelled.",
      );
  };
  const controls: [string, () => void, string][] = [
    ["Preview", preview, "text-brand-700"],
    ["Extend", extend, "text-brand-700"],
    ["Cancel", cancel, "text-rose-700"],
  ];
  return (
    <span className="mt-1 flex flex-wrap gap-2 text-xs">
      {controls.map(([label, onClick, tone]) => (
        <button key={label} type="button" disabled={pending} className={`${tone} underline`} onClick={onClick}>
          {label}
        </button>
      ))}
      {note && <span className="basis-full text-slate-600">{note.text}</span>}
    </span>
  );
}
