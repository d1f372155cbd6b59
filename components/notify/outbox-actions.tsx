"use client";

import { buttonClass } from "@/components/ui/button";
import { Notice } from "@/components/ui/notice";
import { useAction } from "@/components/ui/use-action";
import type { Action } from "@/lib/action";

export type ResolveOutboxAction = Action<{ id: string; action: "resend" | "dismiss" }, { status: string }>;

/** A failed or unconfirmed message's controls: send it again (an unconfirmed one may then arrive twice) or dismiss it. */
export function OutboxActions({ id, status, resolve }: { id: string; status: string; resolve: ResolveOutboxAction }) {
  const { pending, note, run } = useAction();
  return (
    <div className="flex flex-wrap items-center gap-2">
      <button
        type="button"
        className={buttonClass("secondary", "sm")}
        disabled={pending}
        title={status === "unconfirmed" ? "It may have arrived already: the person may get it twice." : undefined}
        onClick={() =>
          run(
            () => resolve({ id, action: "resend" }),
            () => "Queued again.",
          )
        }
      >
        Send again
      </button>
      <button
        type="button"
        className={buttonClass("ghost", "sm")}
        disabled={pending}
        onClick={() =>
          run(
            () => resolve({ id, action: "dismiss" }),
            () => "Dismissed.",
          )
        }
      >
        Dismiss
      </button>
      <Notice note={note} />
    </div>
  );
}
