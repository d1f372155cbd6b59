/**
 * The sync CLI (scripts/sync.ts launches it). `npm run sync -- [--full] [--json]`: one directory sync from Microsoft Graph into DATABASE_URL.
 * For cron: exit 0 on success, 1 on failure (or partial: a kind was skipped), 2 on bad configuration,
 * 3 when a sync is already running for the tenant, 4 when syncs are paused (disconnected, or the last health
 * check found a problem that stops a sync; `--force` runs anyway). Never prints the client secret.
 * A failed sync re-runs the health check, so the next scheduled run pauses with the reason instead of failing again.
 */
import { loadDotEnv } from "./defaults";
import { createClient } from "../../lib/db/client";
import { migrate } from "../../lib/db/migrate";
import { env, EnvError } from "../../lib/env";
import { saveHealth, syncGate, resolveConnection } from "../../lib/connection";
import { checkConnection } from "../../lib/connection/check-connection";
import { createSyncGraph } from "../../lib/connection/graph-client";
import { runSync, SyncAlreadyRunning, type SyncResult } from "../../lib/sync/run-sync";

function usage(): never {
  console.error("usage: npm run sync -- [--full] [--json] [--no-after] [--force]");
  process.exit(2);
}

function redact(text: string, secrets: string[]): string {
  for (const s of secrets) if (s) text = text.split(s).join("[redacted]");
  return text;
}

function human(r: SyncResult): string {
  const lines = [
    `Sync ${r.status} in ${(r.durationMs / 1000).toFixed(1)} s (run ${r.runId}, ${r.manifest.modes.users ?? "-"}/${r.manifest.modes.groups ?? "-"} for users/groups${r.fellBackToFull ? ", delta token rejected: fell back to full" : ""})`,
    `Graph: ${r.requests} requests, ${r.retries} retries, ${r.throttled} throttled`,
    ...Object.entries(r.counts).map(([k, v]) => `  ${k.padEnd(20)} ${v}`),
  ];
  for (const s of r.manifest.skipped) lines.push(`Skipped ${s.kind}: ${s.reason}`);
  for (const e of r.errors) lines.push(`Error: ${e}`);
  return lines.join("\n");
}

export async function main(): Promise<number> {
  const args = process.argv.slice(2);
  for (const a of args) if (!["--full", "--json", "--no-after", "--force"].includes(a)) usage();
  const json = args.includes("--json");
  loadDotEnv();
  let e: ReturnType<typeof env>;
  try {
    e = env();
  } catch (err) {
    if (err instanceof EnvError) {
      if (json) console.log(JSON.stringify({ status: "failed", error: err.message }));
      else console.error(err.message);
      return 2;
    }
    throw err;
  }
  await migrate(e.DATABASE_URL);
  const db = createClient(e.DATABASE_URL);
  const secrets = [e.AUTH_MICROSOFT_ENTRA_ID_SECRET, e.GRAPH_CLIENT_SECRET ?? ""];
  let last = "";
  // SIGTERM or SIGINT: the sync stops at its next check, records the run as failed ("aborted"), releases the tenant's
  // sync lock and drops its staging rows, so the next sync (on this host or another) starts at once, not after the
  // lock's stale timeout. Nothing of a stopped run reaches the live tables (they change only in the final apply).
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    const force = args.includes("--force");
    const gate = force
      ? await resolveConnection(db, e).then((r) =>
          r.ok ? { open: true as const, connection: r.connection } : { open: false as const, reason: r.reason },
        )
      : await syncGate(db, e);
    if (!gate.open) {
      if (json) console.log(JSON.stringify({ status: "paused", reason: gate.reason }));
      else console.error(`Sync paused: ${gate.reason}${force ? "" : " (--force runs it anyway)"}`);
      return 4;
    }
    if (gate.connection.clientSecret) secrets.push(gate.connection.clientSecret);
    const graph = createSyncGraph(gate.connection);
    const r = await runSync({
      db,
      graph,
      tenantId: e.ENTRA_TENANT_ID,
      trigger: "cli",
      databaseUrl: e.DATABASE_URL,
      mode: args.includes("--full") ? "full" : "auto",
      signal: stop.signal,
      onProgress:
        json || !process.stderr.isTTY
          ? undefined
          : (p) => {
              const line = `${p.phase} · ${p.objects} objects · ${p.requests} requests · ${(p.elapsedMs / 1000).toFixed(0)} s`;
              if (line !== last) process.stderr.write(`\r${line.padEnd(70)}`);
              last = line;
            },
    });
    if (last) process.stderr.write("\n");
    const summary = {
      status: r.status,
      runId: r.runId,
      mode: r.manifest.modes,
      fellBackToFull: r.fellBackToFull,
      counts: r.counts,
      requests: r.requests,
      retries: r.retries,
      throttled: r.throttled,
      durationMs: r.durationMs,
      skipped: r.manifest.skipped,
      errors: r.errors,
    };
    // A failure may be the connection's: record the honest reason so scheduled runs pause with it. A forced
    // run re-checks too, so a fixed connection resumes the schedule.
    if (r.status === "failed" || force)
      await saveHealth(db, await checkConnection(gate.connection)).catch(() => undefined);
    console.log(redact(json ? JSON.stringify(summary) : human(r), secrets));
    return r.status === "succeeded" ? 0 : 1;
  } catch (err) {
    if (err instanceof SyncAlreadyRunning) {
      const msg = { status: "already-running", runningRunId: err.runId, startedAt: err.startedAt.toISOString() };
      console.log(
        json
          ? JSON.stringify(msg)
          : `A sync is already running (run ${err.runId}, started ${err.startedAt.toISOString()}).`,
      );
      return 3;
    }
    const text = redact(err instanceof Error ? `${err.name}: ${err.message}` : String(err), secrets);
    if (json) console.log(JSON.stringify({ status: "failed", error: text }));
    else console.error(`Sync failed: ${text}`);
    return 1;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    await db.$disconnect();
  }
}
