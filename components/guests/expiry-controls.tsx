"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { Action } from "@/lib/action";

export interface ExpiryActionSet {
  preview: Action<{ userId: string; blockSignIn: boolean }, { items: { kind: string; target: string }[] }>;
  extend: Action<{ expiryId: string; expiresAt: string; reason: string }>;
  cancel: Action<{ expiryId: string; reason: string }>;
}

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
  const router = useRouter();
  const [pending, start] = useTransition();
  const [note, setNote] = useState<string | null>(null);
  const act = (fn: () => Promise<{ ok: true } | { ok: false; error: string }>, done: string) =>
    start(async () => {
      const r = await fn();
      setNote(r.ok ? done : r.error);
      router.refresh();
    });
  return (
    <span className="mt-1 flex flex-wrap gap-2 text-xs">
      <button
        type="button"
        disabled={pending}
        className="text-brand-700 underline"
        onClick={() =>
          start(async () => {
            const r = await actions.preview({ userId, blockSignIn: false });
            setNote(
              r.ok
                ? r.items.length
                  ? `Will remove: ${r.items.map((i) => `${i.kind} ${i.target}`).join(", ")}`
                  : "Holds nothing to remove."
                : r.error,
            );
          })
        }
      >
        Preview
      </button>
      <button
        type="button"
        disabled={pending}
        className="text-brand-700 underline"
        onClick={() => {
          const date = prompt(`New end date for ${name} (YYYY-MM-DD)`);
          if (!date) return;
          const reason = prompt("Reason for the extension") ?? "";
          act(
            () => actions.extend({ expiryId, expiresAt: new Date(`${date}T00:00:00`).toISOString(), reason }),
            "Extended.",
          );
        }}
      >
        Extend
      </button>
      <button
        type="button"
        disabled={pending}
        className="text-rose-700 underline"
        onClick={() => {
          const reason = prompt(`Why does ${name}'s access no longer end?`);
          if (reason) act(() => actions.cancel({ expiryId, reason }), "Cancelled.");
        }}
      >
        Cancel
      </button>
      {note && <span className="basis-full text-slate-600">{note}</span>}
    </span>
  );
}
