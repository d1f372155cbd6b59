"use client";

import { useState } from "react";
import { buttonClass } from "@/components/ui/button";
import { Notice } from "@/components/ui/notice";
import { useAction } from "@/components/ui/use-action";
import type { Action } from "@/lib/action";

export interface ApprovalActionSet {
  decide: Action<{ approvalId: string; decision: "approve" | "reject"; note: string }, { outcome: string }>;
  withdraw: Action<{ approvalId: string }>;
}

/** A pending request's controls: a second admin approves or rejects (with a reason); the requester withdraws. */
export function ApprovalActions({
  approvalId,
  mine,
  actions,
}: {
  approvalId: string;
  mine: boolean;
  actions: ApprovalActionSet;
}) {
  const { pending, note, run } = useAction();
  const [text, setText] = useState("");
  if (mine)
    return (
      <div className="space-y-2">
        <p className="text-xs text-slate-600">Another admin must decide your request.</p>
        <button
          type="button"
          className={buttonClass("secondary")}
          disabled={pending}
          onClick={() =>
            run(
              () => actions.withdraw({ approvalId }),
              () => "Withdrawn.",
            )
          }
        >
          Withdraw
        </button>
        <Notice note={note} />
      </div>
    );
  const decide = (decision: "approve" | "reject") =>
    run(
      () => actions.decide({ approvalId, decision, note: text }),
      (r: { outcome: string }) => r.outcome,
    );
  return (
    <div className="space-y-2">
      <input
        aria-label="Note (required to reject)"
        className="w-full min-w-48 rounded-md border border-slate-300 px-2 py-1 text-sm"
        value={text}
        maxLength={500}
        onChange={(e) => setText(e.target.value)}
        placeholder="Note (required to reject)"
      />
      <div className="flex flex-wrap gap-2">
        <button type="button" className={buttonClass("primary")} disabled={pending} onClick={() => decide("approve")}>
          Approve and run
        </button>
        <button type="button" className={buttonClass("danger")} disabled={pending} onClick={() => decide("reject")}>
          Reject
        </button>
      </div>
      <Notice note={note} />
    </div>
  );
}
