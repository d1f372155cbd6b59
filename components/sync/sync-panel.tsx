"use client";

import { buttonClass } from "@/components/ui/button";
import { useRouter } from "next/navigation";
import { useEffect, useState, useTransition } from "react";
import type { SyncRunDto } from "@/lib/sync/read-runs";

type StartAction = (input: { mode: "auto" | "full" }) => Promise<{ ok: true } | { ok: false; error: string }>;

const PHASES = [
  "starting",
  "organization",
  "users",
  "groups",
  "activity",
  "managers",
  "sponsors",
  "roles",
  "apps",
  "mfa",
  "policies",
  "applying",
  "finishing",
];

export function SyncPanel({ initial, start }: { initial: SyncRunDto | null; start: StartAction }) {
  const router = useRouter();
  const [run, setRun] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const running = run?.status === "running";

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(async () => {
      const res = await fetch("/api/sync/status", { cache: "no-store" });
      if (!res.ok) return;
      const { run: latest } = (await res.json()) as { run: SyncRunDto | null };
      setRun(latest);
      if (latest && latest.status !== "running") router.refresh();
    }, 1000);
    return () => clearInterval(timer);
  }, [running, router]);

  const onStart = (mode: "auto" | "full") =>
    startTransition(async () => {
      setError(null);
      const r = await start({ mode });
      if (!r.ok) setError(r.error);
      const res = await fetch("/api/sync/status", { cache: "no-store" });
      if (res.ok) setRun(((await res.json()) as { run: SyncRunDto | null }).run);
      // A small tenant can finish before the first poll: refresh the history either way.
      router.refresh();
    });

  const p = run?.progress ?? {};
  const phaseIndex = Math.max(0, PHASES.indexOf(p.phase ?? run?.phase ?? "starting"));
  const pct = running ? Math.min(95, Math.round(((phaseIndex + 1) / PHASES.length) * 100)) : 100;

  return (
    <section className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm" aria-labelledby="sync-heading">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h2 id="sync-heading" className="text-sm font-semibold text-slate-900">
            Directory sync
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            {run ? (
              <>
                Last run{" "}
                <span data-testid="sync-status" className="font-medium">
                  {run.status}
                </span>{" "}
                · started {new Date(run.startedAt).toLocaleString()}
                {run.durationMs !== null && ` · ${(run.durationMs / 1000).toFixed(1)} s`}
              </>
            ) : (
              "Never synced. The first sync reads the whole tenant; later ones use delta queries."
            )}
          </p>
        </div>
        <div className="flex gap-2">
          <button
            type="button"
            disabled={running || pending}
            onClick={() => onStart("auto")}
            className={buttonClass("primary")}
          >
            {running ? "Syncing…" : "Sync now"}
          </button>
          <button
            type="button"
            disabled={running || pending}
            onClick={() => onStart("full")}
            className="rounded-md border border-slate-300 px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-50"
          >
            Full sync
          </button>
        </div>
      </div>
      {error && (
        <p role="alert" className="mt-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
          {error}
        </p>
      )}
      {running && (
        <div className="mt-4" data-testid="sync-progress">
          <div
            className="h-2 overflow-hidden rounded-full bg-slate-100"
            role="progressbar"
            aria-valuenow={pct}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-label="Sync progress"
          >
            <div className="h-full rounded-full bg-brand-600 transition-all" style={{ width: `${pct}%` }} />
          </div>
          <dl className="mt-2 grid grid-cols-2 gap-2 text-xs text-slate-600 sm:grid-cols-5">
            <div>
              Phase: <span className="font-medium text-slate-900">{p.phase ?? run?.phase}</span>
            </div>
            <div>
              Objects: <span className="font-medium text-slate-900">{p.objects ?? 0}</span>
            </div>
            <div>
              Requests: <span className="font-medium text-slate-900">{p.requests ?? 0}</span>
            </div>
            <div>
              Throttled retries: <span className="font-medium text-slate-900">{p.throttled ?? 0}</span>
            </div>
            <div>
              Elapsed: <span className="font-medium text-slate-900">{((p.elapsedMs ?? 0) / 1000).toFixed(1)} s</span>
            </div>
          </dl>
        </div>
      )}
      {run && !running && run.errors.length > 0 && (
        <ul className="mt-3 list-disc pl-5 text-sm text-red-800">
          {run.errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
