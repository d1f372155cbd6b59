"use client";

import { useState, useTransition } from "react";
import type { ConnectionHealth } from "@/lib/sync/check-connection";

type TestAction = () => Promise<{ ok: true; health: ConnectionHealth } | { ok: false; error: string }>;

export function ConnectionPanel({ initial, test, rows }: { initial: ConnectionHealth | null; test: TestAction; rows: [string, string][] }) {
  const [health, setHealth] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const run = () =>
    startTransition(async () => {
      setError(null);
      const r = await test();
      if (r.ok) setHealth(r.health);
      else setError(r.error);
    });
  return (
    <section className="rounded-xl border border-slate-200 bg-white shadow-sm">
      <div className="flex items-center justify-between border-b border-slate-200 px-5 py-3">
        <h2 className="text-sm font-semibold text-slate-900">Tenant connection</h2>
        <div className="flex items-center gap-3">
          {health && (
            <span data-testid="connection-status" className={`rounded-full px-2.5 py-0.5 text-xs font-semibold ${health.status === "healthy" ? "bg-emerald-50 text-emerald-800" : "bg-amber-50 text-amber-900"}`}>
              {health.status === "healthy" ? "Healthy" : "Needs attention"}
            </span>
          )}
          <button type="button" onClick={run} disabled={pending} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-50">
            {pending ? "Testing…" : "Test connection"}
          </button>
        </div>
      </div>
      <dl className="divide-y divide-slate-100">
        {rows.map(([k, v]) => (
          <div key={k} className="grid grid-cols-3 gap-4 px-5 py-3 text-sm">
            <dt className="text-slate-500">{k}</dt>
            <dd className="col-span-2 font-mono text-slate-900">{v}</dd>
          </div>
        ))}
      </dl>
      {error && <p role="alert" className="mx-5 mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">{error}</p>}
      {health && health.problems.length > 0 && (
        <ul className="space-y-2 border-t border-slate-200 px-5 py-4" data-testid="connection-problems">
          {health.problems.map((p) => (
            <li key={p.message} className="text-sm">
              <span className="font-medium text-amber-900">{p.message}</span>
              <span className="block text-slate-600">{p.fix}</span>
            </li>
          ))}
        </ul>
      )}
      {health && <p className="border-t border-slate-100 px-5 py-2 text-xs text-slate-500">Checked {new Date(health.checkedAt).toLocaleString()}</p>}
    </section>
  );
}
