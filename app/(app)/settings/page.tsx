import { PageHeader } from "@/components/ui/page-header";
import { type CellRow, CellTable } from "@/components/data-table/data-table";
import { Section } from "@/components/ui/section";
import { StatusBadge } from "@/components/ui/status-badge";
import { ConnectionPanel } from "@/components/sync/connection-panel";
import { SyncPanel } from "@/components/sync/sync-panel";
import { requirePageRole } from "@/lib/auth";
import { env } from "@/lib/env";
import { lastConnectionHealth } from "@/lib/connection/health";
import { latestSyncRun, listSyncRuns } from "@/lib/sync/read-runs";
import { appCtx, db } from "@/lib/db";
import { resolveConnection, resolveWriteConnection } from "@/lib/connection";
import {
  disconnectAction,
  purgeDirectoryAction,
  reconnectAction,
  saveConnectionAction,
  startSyncAction,
  testConnectionAction,
} from "./actions";

export const metadata = { title: "Settings" };

const HISTORY_COLUMNS = {
  started: "Started",
  trigger: "Trigger",
  status: "Status",
  users: "Users",
  groups: "Groups",
  memberships: "Memberships",
  duration: "Duration",
  errors: "Errors",
};

export default async function SettingsPage() {
  await requirePageRole("admin");
  const e = env();
  const [latest, runs, health, conn, write] = await Promise.all([
    latestSyncRun(appCtx()),
    listSyncRuns(appCtx()),
    lastConnectionHealth(),
    resolveConnection(db(), e),
    resolveWriteConnection(db(), e),
  ]);
  const rows: [string, string][] = [
    ["Tenant id", e.ENTRA_TENANT_ID],
    ["Sign-in authority", e.AUTH_MICROSOFT_ENTRA_ID_ISSUER],
    ["Microsoft Graph", e.GRAPH_BASE_URL],
  ];
  const row = (r: (typeof runs)[number]): CellRow => ({
    key: r.id,
    started: <span className="whitespace-nowrap">{new Date(r.startedAt).toLocaleString()}</span>,
    trigger: r.trigger,
    status: <StatusBadge status={r.status} />,
    users: r.counts.users ?? "–",
    groups: r.counts.groups ?? "–",
    memberships: r.counts.memberships ?? "–",
    duration: r.durationMs !== null ? `${(r.durationMs / 1000).toFixed(1)} s` : "–",
    errors: (
      <span className="block max-w-xs truncate text-red-800" title={[r.error, ...r.errors].filter(Boolean).join("\n")}>
        {r.error ?? r.errors[0] ?? ""}
      </span>
    ),
  });
  return (
    <>
      <PageHeader title="Settings" description="The Entra tenant Recert reads from and writes revocations to." />
      <div className="space-y-6">
        <ConnectionPanel
          initial={health.health}
          initialWrite={health.writeHealth}
          initialView={conn.view}
          writeView={write.view}
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
        <Section title="Sync history">
          {runs.length === 0 ? (
            <p className="px-5 py-6 text-sm text-slate-600">
              No sync has run yet. Start one above, or schedule `npm run sync` with cron.
            </p>
          ) : (
            <CellTable
              testId="sync-history"
              empty="No sync has run yet."
              columns={HISTORY_COLUMNS}
              rows={runs.map(row)}
            />
          )}
        </Section>
      </div>
    </>
  );
}
