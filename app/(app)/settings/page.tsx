import { PageHeader } from "@/components/ui/page-header";
import { ConnectionPanel } from "@/components/sync/connection-panel";
import { SyncPanel } from "@/components/sync/sync-panel";
import { requirePageRole } from "@/lib/auth";
import { env } from "@/lib/env";
import { lastConnectionHealth } from "@/lib/connection/health";
import { latestSyncRun, listSyncRuns } from "@/lib/sync/read-runs";
import { appCtx, db } from "@/lib/db";
import { resolveConnection } from "@/lib/connection";
import {
  disconnectAction,
  purgeDirectoryAction,
  reconnectAction,
  saveConnectionAction,
  startSyncAction,
  testConnectionAction,
} from "./actions";

export const metadata = { title: "Settings" };

const STATUS_STYLE: Record<string, string> = {
  succeeded: "bg-emerald-50 text-emerald-800",
  partial: "bg-amber-50 text-amber-900",
  failed: "bg-red-50 text-red-800",
  running: "bg-brand-50 text-brand-700",
  abandoned: "bg-slate-100 text-slate-700",
};

export default async function SettingsPage() {
  await requirePageRole("admin");
  const e = env();
  const [latest, runs, health, conn] = await Promise.all([
    latestSyncRun(appCtx()),
    listSyncRuns(appCtx()),
    lastConnectionHealth(),
    resolveConnection(db(), e),
  ]);
  const rows: [string, string][] = [
    ["Tenant id", e.ENTRA_TENANT_ID],
    ["Sign-in authority", e.AUTH_MICROSOFT_ENTRA_ID_ISSUER],
    ["Microsoft Graph", e.GRAPH_BASE_URL],
  ];
  return (
    <>
      <PageHeader title="Settings" description="The Entra tenant Recert reads from and writes revocations to." />
      <div className="space-y-6">
        <ConnectionPanel
          initial={health}
          initialView={conn.view}
          rows={rows}
          actions={{
            test: testConnectionAction,
            save: saveConnectionAction,
            disconnect: disconnectAction,
            reconnect: reconnectAction,
            purge: purgeDirectoryAction,
          }}
        />
        <SyncPanel initial={latest} start={startSyncAction} />
        <section className="rounded-xl border border-slate-200 bg-white shadow-sm">
          <h2 className="border-b border-slate-200 px-5 py-3 text-sm font-semibold text-slate-900">Sync history</h2>
          {runs.length === 0 ? (
            <p className="px-5 py-6 text-sm text-slate-600">
              No sync has run yet. Start one above, or schedule `npm run sync` with cron.
            </p>
          ) : (
            <div className="overflow-x-auto">
              <table className="min-w-full text-sm" data-testid="sync-history">
                <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    <th className="px-5 py-2">Started</th>
                    <th className="px-3 py-2">Trigger</th>
                    <th className="px-3 py-2">Status</th>
                    <th className="px-3 py-2 text-right">Users</th>
                    <th className="px-3 py-2 text-right">Groups</th>
                    <th className="px-3 py-2 text-right">Memberships</th>
                    <th className="px-3 py-2 text-right">Duration</th>
                    <th className="px-5 py-2">Errors</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {runs.map((r) => (
                    <tr key={r.id}>
                      <td className="whitespace-nowrap px-5 py-2 text-slate-900">
                        {new Date(r.startedAt).toLocaleString()}
                      </td>
                      <td className="px-3 py-2 text-slate-600">{r.trigger}</td>
                      <td className="px-3 py-2">
                        <span
                          className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[r.status] ?? "bg-slate-100"}`}
                        >
                          {r.status}
                        </span>
                      </td>
                      <td className="px-3 py-2 text-right tabular-nums">{r.counts.users ?? "–"}</td>
                      <td className="px-3 py-2 text-right tabular-nums">{r.counts.groups ?? "–"}</td>
                      <td className="px-3 py-2 text-right tabular-nums">{r.counts.memberships ?? "–"}</td>
                      <td className="px-3 py-2 text-right tabular-nums">
                        {r.durationMs !== null ? `${(r.durationMs / 1000).toFixed(1)} s` : "–"}
                      </td>
                      <td
                        className="max-w-xs truncate px-5 py-2 text-red-800"
                        title={[r.error, ...r.errors].filter(Boolean).join("\n")}
                      >
                        {r.error ?? r.errors[0] ?? ""}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>
    </>
  );
}
