"use client";

import { buttonClass } from "@/components/ui/button";
import { useState } from "react";

interface Verdict {
  valid: boolean;
  verdict: "valid" | "untrusted" | "invalid";
  kind: string;
  reason: string;
  signer: string | null;
  signerFingerprint: string | null;
  signingTime: string | null;
  campaignId: string | null;
  trusted: boolean | null;
  profile?: string;
  timestamp?: { at: string; tsa: string; tsaFingerprint: string } | null;
  /** Evidence packages: every check made inside. */
  checks?: { name: string; ok: boolean; detail: string }[];
}

export function VerifyForm() {
  const [busy, setBusy] = useState(false);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <div>
      <form
        className="space-y-4"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setVerdict(null);
          setError(null);
          try {
            const res = await fetch("/api/verify", { method: "POST", body: new FormData(e.currentTarget) });
            const body = (await res.json()) as Verdict & { error?: string };
            if (!res.ok) setError(body.error ?? `Verification failed (${res.status}).`);
            else setVerdict(body);
          } catch {
            setError("The file could not be sent. Try again.");
          } finally {
            setBusy(false);
          }
        }}
      >
        <div>
          <label htmlFor="file" className="block text-sm font-medium text-slate-700">
            Report (PDF, CSV or JSON) or evidence package (ZIP)
          </label>
          <input
            id="file"
            name="file"
            type="file"
            accept=".pdf,.csv,.json,.zip"
            required
            className="mt-1 block w-full text-sm"
          />
        </div>
        <div>
          <label htmlFor="manifest" className="block text-sm font-medium text-slate-700">
            Manifest (.jws, for CSV and JSON)
          </label>
          <input id="manifest" name="manifest" type="file" accept=".jws" className="mt-1 block w-full text-sm" />
        </div>
        <button type="submit" disabled={busy} className={buttonClass("primary")}>
          {busy ? "Verifying…" : "Verify"}
        </button>
      </form>
      {error && (
        <p role="alert" className="mt-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200">
          {error}
        </p>
      )}
      {verdict && (
        <section
          aria-label="Result"
          className={`mt-6 rounded-xl p-4 ring-1 ${{ valid: "bg-emerald-50 ring-emerald-200", untrusted: "bg-amber-50 ring-amber-200", invalid: "bg-rose-50 ring-rose-200" }[verdict.verdict]}`}
        >
          <p
            className={`text-lg font-semibold ${{ valid: "text-emerald-800", untrusted: "text-amber-900", invalid: "text-rose-800" }[verdict.verdict]}`}
            data-testid="verdict"
          >
            {{ valid: "Valid", untrusted: "Signature intact, signer not trusted", invalid: "Invalid" }[verdict.verdict]}
          </p>
          <p className="text-sm text-slate-700">{verdict.reason}</p>
          <dl className="mt-3 grid grid-cols-[10rem_1fr] gap-y-1 text-sm">
            <dt className="text-slate-500">Signer</dt>
            <dd>{verdict.signer ?? "—"}</dd>
            <dt className="text-slate-500">Certificate SHA-256</dt>
            <dd className="break-all font-mono text-xs">
              {verdict.signerFingerprint ?? "—"}{" "}
              {verdict.trusted === true
                ? "(this installation's certificate)"
                : verdict.trusted === false
                  ? "(NOT this installation's certificate)"
                  : ""}
            </dd>
            <dt className="text-slate-500">Signed at</dt>
            <dd>{verdict.signingTime ? new Date(verdict.signingTime).toLocaleString() : "—"}</dd>
            {verdict.profile ? (
              <>
                <dt className="text-slate-500">Signature profile</dt>
                <dd>{verdict.profile}</dd>
              </>
            ) : null}
            {verdict.timestamp ? (
              <>
                <dt className="text-slate-500">Time-stamp</dt>
                <dd>
                  {new Date(verdict.timestamp.at).toLocaleString()} by {verdict.timestamp.tsa}
                </dd>
              </>
            ) : null}
            <dt className="text-slate-500">Campaign</dt>
            <dd className="font-mono text-xs">{verdict.campaignId ?? "—"}</dd>
          </dl>
          {verdict.checks ? (
            <ul className="mt-3 space-y-1 text-sm" data-testid="package-checks">
              {verdict.checks.map((c) => (
                <li key={`${c.name}: ${c.detail}`} className={c.ok ? "text-slate-700" : "font-medium text-red-700"}>
                  {c.ok ? "✓" : "✗"} {c.name}: {c.detail}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      )}
    </div>
  );
}
