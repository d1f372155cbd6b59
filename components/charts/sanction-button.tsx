"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { Action } from "@/lib/action";

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
  const router = useRouter();
  const [pending, start] = useTransition();
  const [err, setErr] = useState<string | null>(null);
  return (
    <button
      type="button"
      disabled={pending}
      className="ml-1 text-brand-700 underline disabled:opacity-50"
      onClick={() => {
        const reason = prompt(
          `Why is ${name} excluded from this policy? (e.g. break-glass account, monitored sign-ins)`,
        );
        if (!reason) return;
        start(async () => {
          const expires = new Date(Date.now() + 180 * 86_400_000).toISOString();
          const r = await sanction({ userId, policyId, reason, expiresAt: expires });
          if (!r.ok) setErr(r.error);
          router.refresh();
        });
      }}
    >
      mark sanctioned{err ? ` — ${err}` : ""}
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
  const router = useRouter();
  const [pending, start] = useTransition();
  const [err, setErr] = useState<string | null>(null);
  return (
    <button
      type="button"
      disabled={pending}
      className="ml-1 text-brand-700 underline disabled:opacity-50"
      onClick={() => {
        if (!confirm(`Revoke the sanction for ${name}? The exclusion will count as a gap in MFA coverage again.`))
          return;
        start(async () => {
          const r = await revoke({ id: sanctionId });
          if (!r.ok) setErr(r.error);
          router.refresh();
        });
      }}
    >
      revoke sanction{err ? ` — ${err}` : ""}
    </button>
  );
}
