"use client";

import { buttonClass } from "@/components/ui/button";
import { useState, useTransition } from "react";
import type { ConnectionView, WriteConnectionView } from "@/lib/connection/store";
import type { ConnectionHealth } from "@/lib/connection/check-connection";

type Fail = { ok: false; error: string };
type Both = { health: ConnectionHealth; writeHealth: ConnectionHealth };
interface Actions {
  test: () => Promise<({ ok: true } & Both) | Fail>;
  save: (input: {
    tenantId: string;
    clientId: string;
    clientSecret: string;
  }) => Promise<({ ok: true; view: ConnectionView } & Both) | Fail>;
  disconnect: () => Promise<{ ok: true; view: ConnectionView } | Fail>;
  reconnect: () => Promise<({ ok: true; view: ConnectionView } & Both) | Fail>;
  purge: (input: { confirm: string }) => Promise<{ ok: true; deleted: number } | Fail>;
}

const SOURCE_LABEL: Record<ConnectionView["source"], string> = {
  environment: "Environment (GRAPH_CLIENT_ID with GRAPH_CLIENT_CERTIFICATE or _SECRET), which wins over Settings",
  settings: "Saved in Settings (secret encrypted with AES-256-GCM)",
  "sign-in app": "The sign-in app registration (AUTH_MICROSOFT_ENTRA_ID_ID / _SECRET); save a dedicated one below",
  none: "None",
};

const input =
  "mt-1 block w-full rounded-md border border-slate-300 px-3 py-1.5 font-mono text-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500 disabled:bg-slate-50";
const button =
  "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-50";

function Problems({ health, testId }: { health: ConnectionHealth; testId: string }) {
  if (health.problems.length === 0) return null;
  return (
    <ul className="space-y-2 border-t border-slate-200 px-5 py-4" data-testid={testId}>
      {health.problems.map((p) => (
        <li key={p.message} className="text-sm">
          <span className="font-medium text-amber-900">{p.message}</span>
          {p.blocksSync && (
            <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-900">scheduled syncs paused</span>
          )}
          <span className="block text-slate-600">{p.fix}</span>
        </li>
      ))}
    </ul>
  );
}

function StatusPill({ status, testId }: { status: string | undefined; testId: string }) {
  if (!status) return null;
  return (
    <span
      data-testid={testId}
      className={`rounded-full px-2.5 py-0.5 text-xs font-semibold ${status === "healthy" ? "bg-emerald-50 text-emerald-800" : status === "disconnected" ? "bg-slate-100 text-slate-700" : "bg-amber-50 text-amber-900"}`}
    >
      {status === "healthy" ? "Healthy" : status === "disconnected" ? "Disconnected" : "Needs attention"}
    </span>
  );
}

function Facts({ rows }: { rows: [string, string][] }) {
  return (
    <dl className="divide-y divide-slate-100">
      {rows.map(([k, v]) => (
        <div key={k} className="grid grid-cols-1 gap-1 px-5 py-3 text-sm sm:grid-cols-3 sm:gap-4">
          <dt className="text-slate-500">{k}</dt>
          <dd
            className="break-all font-mono text-slate-900 sm:col-span-2"
            data-testid={`connection-${k.toLowerCase().replace(/\s+/g, "-")}`}
          >
            {v}
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function ConnectionPanel({
  initial,
  initialWrite,
  initialView,
  writeView,
  rows,
  actions,
}: {
  initial: ConnectionHealth | null;
  initialWrite: ConnectionHealth | null;
  initialView: ConnectionView;
  writeView: WriteConnectionView;
  rows: [string, string][];
  actions: Actions;
}) {
  const [health, setHealth] = useState(initial);
  const [writeHealth, setWriteHealth] = useState(initialWrite);
  const [view, setView] = useState(initialView);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const [form, setForm] = useState({
    tenantId: initialView.tenantId,
    clientId: initialView.source === "settings" ? (initialView.clientId ?? "") : "",
    clientSecret: "",
  });
  const [purgeText, setPurgeText] = useState("");

  const run = <T extends { ok: boolean }>(call: () => Promise<T | Fail>, done: (r: T) => void) =>
    startTransition(async () => {
      setError(null);
      setNotice(null);
      const r = await call();
      if (!r.ok) setError((r as Fail).error);
      else done(r as T);
    });

  const status = view.unusable ? "disconnected" : health?.status;
  const writeStatus = writeView.unusable && !writeHealth ? "needs_attention" : writeHealth?.status;
  const both = (r: Both) => {
    setHealth(r.health);
    setWriteHealth(r.writeHealth);
  };
  return (
    <>
      <section className="rounded-xl border border-slate-200 bg-white shadow-sm">
        <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-5 py-3">
          <h2 className="text-sm font-semibold text-slate-900">Read connection (syncs)</h2>
          <div className="flex items-center gap-3">
            <StatusPill status={status} testId="connection-status" />
            <button
              type="button"
              onClick={() => run(actions.test, both)}
              disabled={pending || Boolean(view.unusable)}
              className={button}
            >
              {pending ? "Working…" : "Test connection"}
            </button>
          </div>
        </div>
        <Facts
          rows={[
            ["Credentials from", SOURCE_LABEL[view.source]],
            ["Client id", view.clientId ?? "–"],
            [view.credential === "certificate" ? "Certificate" : "Client secret", view.secretHint ?? "–"],
            ...rows,
          ]}
        />
        {view.unusable && (
          <p
            role="status"
            className="mx-5 mb-3 rounded-md bg-slate-100 px-3 py-2 text-sm text-slate-800"
            data-testid="connection-unusable"
          >
            {view.unusable}
          </p>
        )}
        {error && (
          <p role="alert" className="mx-5 mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        )}
        {notice && (
          <p role="status" className="mx-5 mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
            {notice}
          </p>
        )}
        {health && !view.unusable && <Problems health={health} testId="connection-problems" />}
        {health && !view.unusable && (
          <p className="border-t border-slate-100 px-5 py-2 text-xs text-slate-500">
            Checked {new Date(health.checkedAt).toLocaleString()}
          </p>
        )}

        <form
          className="grid gap-3 border-t border-slate-200 px-5 py-4 sm:grid-cols-3"
          aria-label="Connection credentials"
          onSubmit={(ev) => {
            ev.preventDefault();
            run(
              () => actions.save(form),
              (r) => {
                setView(r.view);
                both(r);
                setForm((f) => ({ ...f, clientSecret: "" }));
                setNotice(
                  r.health.status === "healthy"
                    ? "Saved. The connection is healthy; syncs run."
                    : "Saved, but the connection needs attention (see above).",
                );
              },
            );
          }}
        >
          <label className="text-sm text-slate-700">
            Tenant id
            <input
              name="tenantId"
              className={input}
              value={form.tenantId}
              disabled={!view.editable}
              onChange={(e) => setForm({ ...form, tenantId: e.target.value })}
              required
            />
          </label>
          <label className="text-sm text-slate-700">
            Client id
            <input
              name="clientId"
              className={input}
              value={form.clientId}
              disabled={!view.editable}
              onChange={(e) => setForm({ ...form, clientId: e.target.value })}
              placeholder="xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
              required
            />
          </label>
          <label className="text-sm text-slate-700">
            Client secret
            <input
              name="clientSecret"
              type="password"
              autoComplete="off"
              className={input}
              value={form.clientSecret}
              disabled={!view.editable}
              onChange={(e) => setForm({ ...form, clientSecret: e.target.value })}
              placeholder={view.source === "settings" ? `${view.secretHint} (leave empty to keep)` : ""}
            />
          </label>
          <div className="flex flex-wrap items-center gap-3 sm:col-span-3">
            <button type="submit" disabled={pending || !view.editable} className={buttonClass("primary")}>
              Save and check
            </button>
            {!view.disconnected ? (
              <button
                type="button"
                disabled={pending}
                className={button}
                onClick={() => {
                  if (
                    !confirm(
                      "Disconnect? Stored credentials are deleted and syncs and revocations stop. Synced data stays until you purge it.",
                    )
                  )
                    return;
                  run(actions.disconnect, (r) => {
                    setView(r.view);
                    setHealth(null);
                    setNotice("Disconnected. Syncs and revocations are stopped.");
                  });
                }}
              >
                Disconnect
              </button>
            ) : (
              view.source !== "settings" && (
                <button
                  type="button"
                  disabled={pending}
                  className={button}
                  onClick={() =>
                    run(actions.reconnect, (r) => {
                      setView(r.view);
                      both(r);
                      setNotice("Reconnected.");
                    })
                  }
                >
                  Reconnect with {view.source === "environment" ? "the environment's" : "the sign-in app's"} credentials
                </button>
              )
            )}
            {!view.encryptionKeySet && view.editable && (
              <span className="text-xs text-amber-800">Set RECERT_ENCRYPTION_KEY to store a secret here.</span>
            )}
          </div>
        </form>
        <div className="flex flex-wrap items-center gap-3 border-t border-slate-200 px-5 py-4 text-sm">
          <span className="text-slate-700">
            Purge the synced directory (users, groups, memberships, roles, apps, MFA, policies). Campaigns, reports and
            the audit log stay.
          </span>
          <input
            aria-label="Type PURGE to confirm"
            className="w-28 rounded-md border border-slate-300 px-2 py-1 font-mono text-sm"
            value={purgeText}
            onChange={(e) => setPurgeText(e.target.value)}
            placeholder="PURGE"
          />
          <button
            type="button"
            disabled={pending || purgeText !== "PURGE"}
            className={buttonClass("danger")}
            onClick={() =>
              run(
                () => actions.purge({ confirm: purgeText }),
                (r) => {
                  setPurgeText("");
                  setNotice(`Purged ${r.deleted.toLocaleString()} rows of synced directory data.`);
                },
              )
            }
          >
            Purge synced data
          </button>
        </div>
      </section>
      <section className="rounded-xl border border-slate-200 bg-white shadow-sm" aria-label="Write connection">
        <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-5 py-3">
          <h2 className="text-sm font-semibold text-slate-900">Write connection (revocations and expiries)</h2>
          <StatusPill status={writeStatus} testId="write-connection-status" />
        </div>
        <Facts
          rows={[
            [
              "Write credentials from",
              "Environment only (GRAPH_WRITE_CLIENT_ID with GRAPH_WRITE_CLIENT_CERTIFICATE or _SECRET)",
            ],
            ["Write client id", writeView.clientId ?? "–"],
            [writeView.credential === "secret" ? "Write client secret" : "Write certificate", writeView.hint ?? "–"],
          ]}
        />
        {writeView.unusable && !writeHealth && (
          <p
            role="status"
            className="mx-5 mb-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900"
            data-testid="write-connection-unusable"
          >
            {writeView.unusable}
          </p>
        )}
        {writeHealth && <Problems health={writeHealth} testId="write-connection-problems" />}
        <p className="border-t border-slate-100 px-5 py-2 text-xs text-slate-500">
          A separate app registration holds the write permissions; page requests and syncs never use it.
          {writeHealth && ` Checked ${new Date(writeHealth.checkedAt).toLocaleString()}.`}
        </p>
      </section>
    </>
  );
}
