"use client";

import type { Action } from "@/lib/action";
import { useAction } from "@/components/ui/use-action";

const LINK = "ml-1 text-brand-700 underline disabled:opacity-50";

/** Marks a policy exclusion (e.g. a break-glass account) as sanctioned, with a reason and an expiry. */
export function SanctionButton({
  userId,
  policyId,
  name,
  sanction,
}: {
  userId: string;
  policyId: string;
  name: string;
  sanction: Action<{ userId: string; policyId: string | null; reason: string; expiresAt: string }>;
}) {
  const { pending, note, run } = useAction();
  const ask = () => {
    const reason = prompt(`Why is ${name} excluded from this policy? (e.g. break-glass account, monitored sign-ins)`);
    const expiresAt = new Date(Date.now() + 180 * 86_400_000).toISOString();
    if (reason) run(() => sanction({ userId, policyId, reason, expiresAt }));
  };
  return (
    <button type="button" disabled={pending} className={LINK} onClick={ask}>
      mark sanctioned{note ? ` — ${note.text}` : ""}
    </button>
  );
}

/** Ends a sanctioned exclusion early (the account is no longer a break-glass account, say): it counts as unenforced again. */
export function RevokeSanctionButton({
  sanctionId,
  name,
  revoke,
}: {
  sanctionId: string;
  name: string;
  revoke: Action<{ id: string }>;
}) {
  const { pending, note, run } = useAction();
  const ask = () => {
    if (confirm(`Revoke the sanction for ${name}? The exclusion will count as a gap in MFA coverage again.`))
      run(() => revoke({ id: sanctionId }));
  };
  return (
    <button type="button" disabled={pending} className={LINK} onClick={ask}>
      revoke sanction{note ? ` — ${note.text}` : ""}
    </button>
  );
}
