"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/action";

export interface ActionNote {
  ok: boolean;
  text: string;
}

/**
 * Runs server actions from a client component the one way: in a transition (so `pending` disables the
 * controls), the result as a note in plain words (the action's error, or what `done` says), then a refresh
 * so the server-rendered page shows the change.
 */
export function useAction() {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [note, setNote] = useState<ActionNote | null>(null);
  /** `refresh: false` for read-only actions (a preview): nothing on the page changed. */
  function run<T extends object>(
    call: () => Promise<ActionResult<T>>,
    done?: (r: { ok: true } & T) => string | undefined,
    o: { refresh?: boolean } = {},
  ) {
    start(async () => {
      const r = await call();
      if (r.ok) {
        const text = done?.(r);
        setNote(text ? { ok: true, text } : null);
      } else setNote({ ok: false, text: r.error });
      if (o.refresh !== false) router.refresh();
    });
  }
  return { pending, note, setNote, run };
}
