/**
 * `npm run scheduler -- [--json] [--now <ISO time>]`: one pass of Recert's timed work, for cron
 * (e.g. every 15 minutes): campaign housekeeping (start scheduled instances, advance stages, close at the
 * end date and auto-apply, reminders, escalation, next recurrences) and access expiry (sponsor warnings, removals
 * at the end date, retries of failures). `--now` moves the clock (tests, dry
 * rehearsals). Exit 0 when everything ran, 1 when something could not (a campaign that would not start, a
 * failed removal: the output says which), 2 on bad configuration or usage.
 */
import { loadDotEnv } from "./defaults";
import { createClient } from "../../lib/db/client";
import { migrate } from "../../lib/db/migrate";
import { env, EnvError } from "../../lib/env";
import { runCampaignMaintenance } from "../../lib/reviews/maintenance";
import { runExpiries } from "../../lib/guests/expiry";
import { runDeniedGuests, type DeniedGuestsReport } from "../../lib/reviews/denied-guests";
import { makeCtx } from "../../lib/db/context";
import { graphFactory } from "../../lib/connection";
import { runNotifications } from "../../lib/notify";

function usage(msg?: string): number {
  if (msg) console.error(msg);
  console.error("usage: npm run scheduler -- [--json] [--now <ISO time>]");
  return 2;
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  let json = false;
  let now: Date | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") json = true;
    else if (a === "--now") {
      const v = argv[++i];
      const d = v ? new Date(v) : new Date(NaN);
      if (Number.isNaN(d.getTime())) return usage(`--now needs an ISO time, got ${v ?? "nothing"}`);
      now = d;
    } else return usage(`unknown argument ${a}`);
  }
  loadDotEnv();
  let e: ReturnType<typeof env>;
  try {
    e = env();
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  await migrate(e.DATABASE_URL);
  const db = createClient(e.DATABASE_URL);
  const ctx = makeCtx(db, e.ENTRA_TENANT_ID, now ? () => now : undefined);
  const graph = await graphFactory(db, e);
  // SIGTERM (a deploy, a container stop) or SIGINT: the step in hand finishes (a campaign's housekeeping, the notice
  // being sent), nothing new is claimed, and the pass ends normally, releasing its connections. Work a killed pass
  // leaves claimed is taken over later by design: an item "applying" past its lease, a message "sending" past its lease
  // (then marked unconfirmed, never sent twice).
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!stop.signal.aborted) console.error(`Scheduler: ${sig} received; finishing the step in hand, then stopping.`);
    stop.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    // Notices go last, so those this pass wrote (reminders, escalations, closes) go out in it; and they go even when
    // the work before failed (what was already queued must not wait for a broken campaign).
    let campaigns: Awaited<ReturnType<typeof runCampaignMaintenance>>;
    let expiries: Awaited<ReturnType<typeof runExpiries>>;
    let deniedGuests: DeniedGuestsReport;
    try {
      campaigns = await runCampaignMaintenance(ctx, graph, {
        approvalThreshold: e.RECERT_APPROVAL_THRESHOLD,
        protectedUpns: e.RECERT_PROTECTED_UPNS,
      });
      expiries = stop.signal.aborted ? { warned: 0, executed: [] } : await runExpiries(ctx, graph);
      // Denied guests (#19): sponsors warned, then deleted at their date unless restored.
      deniedGuests = stop.signal.aborted
        ? { warned: 0, deleted: 0, restored: 0, failed: 0 }
        : await runDeniedGuests(ctx, graph, { protectedUpns: e.RECERT_PROTECTED_UPNS });
    } catch (err) {
      await runNotifications(ctx, db, e, { signal: stop.signal }).catch(() => undefined);
      throw err;
    }
    const notices = await runNotifications(ctx, db, e, { signal: stop.signal });
    const failed =
      campaigns.notStarted.length +
      campaigns.applied.reduce((n, a) => n + a.failed, 0) +
      expiries.executed.reduce((n, x) => n + x.failed, 0) +
      deniedGuests.failed;
    const report = {
      at: (now ?? new Date()).toISOString(),
      campaigns,
      expiries,
      deniedGuests,
      notices,
      ok: failed === 0,
    };
    if (json) console.log(JSON.stringify(report));
    else {
      console.log(`Scheduler pass at ${report.at}`);
      console.log(
        `  campaigns: ${campaigns.created.length} created, ${campaigns.started.length} started, ${campaigns.advanced.length} advanced, ${campaigns.closed.length} closed, ${campaigns.reminders} reminders, ${campaigns.escalated} items escalated`,
      );
      for (const a of campaigns.applied)
        console.log(`  applied ${a.campaignId}: ${a.applied} removed, ${a.failed} failed`);
      for (const n of campaigns.notStarted) console.log(`  not started ${n.campaignId}: ${n.reason}`);
      console.log(`  access expiry: ${expiries.warned} sponsor warning(s), ${expiries.executed.length} expired`);
      console.log(
        `  denied guests: ${deniedGuests.warned} sponsor warning(s), ${deniedGuests.deleted} deleted, ${deniedGuests.restored} restored in Entra, ${deniedGuests.failed} failed or refused`,
      );
      const d = notices.delivery;
      console.log(
        `  notices: ${notices.notices} new, ${notices.messages} message(s) composed; ${d.sent} sent, ${d.retried} to retry, ${d.failed} failed, ${d.unconfirmed} unconfirmed${d.throttled.length ? ` (throttled: ${d.throttled.join(", ")})` : ""}`,
      );
      for (const x of expiries.executed)
        console.log(
          `  expired ${x.userId}: ${x.applied} removed, ${x.alreadyRemoved} already removed, ${x.failed} failed, ${x.manual} to remove in Exchange (${x.status})`,
        );
    }
    return failed === 0 ? 0 : 1;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    await db.$disconnect();
  }
}

/** For `npm run sync`: the after-sync work with the CLI's configuration. */
export async function runAfterSyncFromEnv(): Promise<void> {
  loadDotEnv();
  const e = env();
  const db = createClient(e.DATABASE_URL);
  try {
    const { afterSync } = await import("../../lib/scheduler/after-sync");
    await afterSync(makeCtx(db, e.ENTRA_TENANT_ID), await graphFactory(db, e), {
      approvalThreshold: e.RECERT_APPROVAL_THRESHOLD,
      protectedUpns: e.RECERT_PROTECTED_UPNS,
    });
  } finally {
    await db.$disconnect();
  }
}
