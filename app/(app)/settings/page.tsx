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
import { describeChannels, notifyConfig } from "@/lib/notify/config";
import { outboxOverview, type OutboxRow } from "@/lib/notify/queries";
import { OutboxActions } from "@/components/notify/outbox-actions";
import { GovernedGroupsPanel } from "@/components/sync/governed-groups-panel";
import { governedGroups } from "@/lib/sync/governed-groups";
import {
  disconnectAction,
  purgeDirectoryAction,
  reconnectAction,
  resolveOutboxMessageAction,
  saveConnectionAction,
  saveGovernedGroupsAction,
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

const OUTBOX_COLUMNS = {
  created: "Queued",
  status: "Status",
  to: "To",
  subject: "Subject",
  attempts: "Attempts",
  error: "Last error",
  actions: "",
};

export default async function SettingsPage() {
  await requirePageRole("admin");
  const e = env();
  const [latest, runs, health, conn, write, outbox, governed] = await Promise.all([
    latestSyncRun(appCtx()),
    listSyncRuns(appCtx()),
    lastConnectionHealth(),
    resolveConnection(db(), e),
    resolveWriteConnection(db(), e),
    outboxOverview(appCtx()),
    governedGroups(appCtx()),
  ]);
  const channels = describeChannels(notifyConfig(e));
  const outboxRow = (m: OutboxRow): CellRow => ({
    key: m.id,
    created: <span className="whitespace-nowrap">{new Date(m.createdAt).toLocaleString()}</span>,
    status: <StatusBadge status={m.status} />,
    to: <span className="whitespace-nowrap">{m.address}</span>,
    subject: (
      <span className="block max-w-xs truncate" title={m.subject}>
        {m.subject}
      </span>
    ),
    attempts: m.attempts,
    error: (
      <span className="block max-w-xs truncate text-red-800" title={m.lastError ?? ""}>
        {m.lastError ?? ""}
      </span>
    ),
    actions:
      m.status === "failed" || m.status === "unconfirmed" ? (
        <OutboxActions id={m.id} status={m.status} resolve={resolveOutboxMessageAction} />
      ) : null,
  });
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
        <GovernedGroupsPanel groups={governed} save={saveGovernedGroupsAction} />
        <Section title="Notices" testId="notices">
          <dl className="grid gap-x-6 gap-y-1 px-5 py-4 text-sm sm:grid-cols-[max-content_1fr]">
            <dt className="font-medium text-slate-700">Mail</dt>
            <dd data-testid="notice-mail">{channels.mail}</dd>
            <dt className="font-medium text-slate-700">Teams</dt>
            <dd data-testid="notice-teams">{channels.teams}</dd>
            <dt className="font-medium text-slate-700">Outbox</dt>
            <dd data-testid="outbox-counts">
              {outbox.counts.pending} pending, {outbox.counts.sent} sent, {outbox.counts.failed} failed,{" "}
              {outbox.counts.unconfirmed} unconfirmed
            </dd>
          </dl>
          <p className="px-5 pb-3 text-xs text-slate-600">
            Channels come from NOTIFY_MAIL, NOTIFY_TEAMS_WEBHOOK_URL and their settings (README, “Notices”); each
            campaign can turn them off. The scheduler sends; an unconfirmed message was being sent when its sender
            stopped and may have arrived.
          </p>
          {outbox.rows.length > 0 && (
            <CellTable
              testId="outbox"
              empty="Nothing sent yet."
              columns={OUTBOX_COLUMNS}
              rows={outbox.rows.map(outboxRow)}
            />
          )}
        </Section>
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
