/**
 * The sync CLI (scripts/sync.ts launches it). `npm run sync -- [--full] [--json]`: one directory sync from Microsoft Graph into DATABASE_URL.
 * For cron: exit 0 on success, 1 on failure (or partial: a kind was skipped), 2 on bad configuration,
 * 3 when a sync is already running for the tenant. Never prints the client secret.
 */
import { loadDotEnv } from "../../scripts/lib/defaults";
import { createClient } from "../db/client";
import { migrate } from "../db/migrate";
import { env, EnvError } from "../env";
import { createSyncGraph } from "./graph-client";
import { runSync, SyncAlreadyRunning, type SyncResult } from "./run-sync";

function usage(): never {
  console.error("usage: npm run sync -- [--full] [--json] [--no-after]");
  process.exit(2);
}

function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join("[redacted]") : text;
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
  for (const a of args) if (!["--full", "--json", "--no-after"].includes(a)) usage();
  const json = args.includes("--json");
  loadDotEnv();
  let e;
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
  const secret = e.AUTH_MICROSOFT_ENTRA_ID_SECRET;
  await migrate(e.DATABASE_URL);
  const db = createClient(e.DATABASE_URL);
  const graph = createSyncGraph({
    baseUrl: e.GRAPH_BASE_URL,
    authorityHost: e.ENTRA_AUTHORITY_HOST,
    tenantId: e.ENTRA_TENANT_ID,
    clientId: e.AUTH_MICROSOFT_ENTRA_ID_ID,
    clientSecret: secret,
  });
  let last = "";
  try {
    const r = await runSync({
      db,
      graph,
      tenantId: e.ENTRA_TENANT_ID,
      trigger: "cli",
      databaseUrl: e.DATABASE_URL,
      mode: args.includes("--full") ? "full" : "auto",
      onProgress: json || !process.stderr.isTTY ? undefined : (p) => {
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
    console.log(redact(json ? JSON.stringify(summary) : human(r), secret));
    return r.status === "succeeded" ? 0 : 1;
  } catch (err) {
    if (err instanceof SyncAlreadyRunning) {
      const msg = { status: "already-running", runningRunId: err.runId, startedAt: err.startedAt.toISOString() };
      console.log(json ? JSON.stringify(msg) : `A sync is already running (run ${err.runId}, started ${err.startedAt.toISOString()}).`);
      return 3;
    }
    const text = redact(err instanceof Error ? `${err.name}: ${err.message}` : String(err), secret);
    if (json) console.log(JSON.stringify({ status: "failed", error: text }));
    else console.error(`Sync failed: ${text}`);
    return 1;
  } finally {
    await db.$disconnect();
  }
}
