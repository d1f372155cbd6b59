/**
 * `tsx scripts/demo-seed.ts`: seeds the demo's campaigns once (see scripts/lib/demo-seed.ts). Run by `npm run demo`
 * after its first sync; re-executes itself with the react-server condition, because lib/ imports "server-only".
 */
import { ensureServerCondition } from "../lib/sync/server-condition";

void (async () => {
  await ensureServerCondition();
  const { loadDotEnv } = await import("./lib/defaults");
  loadDotEnv();
  const { env } = await import("../lib/env");
  const { createClient } = await import("../lib/db/client");
  const { makeCtx } = await import("../lib/db/context");
  const { graphFactory } = await import("../lib/connection");
  const { seedDemo } = await import("./lib/demo-seed");
  const e = env();
  const db = createClient(e.DATABASE_URL);
  const { runNotifications } = await import("../lib/notify");
  const ctx = makeCtx(db, e.ENTRA_TENANT_ID);
  const r = await seedDemo(ctx, await graphFactory(db, e));
  // The notices the seed wrote go out now (through the emulator's sendMail): reviewer@ finds the quarterly review's
  // mail in the emulator's mailbox, as a reviewer would in Outlook.
  if (!r.skipped) {
    const n = await runNotifications(ctx, db, e);
    console.log(
      `Demo notices: ${n.delivery.sent} message(s) sent (${e.NOTIFY_MAIL === "off" ? "mail off" : `mail via ${e.NOTIFY_MAIL}`}); see the emulator's /mailbox page.`,
    );
  }
  if (r.skipped) console.log("Demo campaigns: this database already has campaigns; nothing seeded.");
  else
    console.log(
      `Demo campaigns seeded: "${r.closed!.items} items, ${r.closed!.revoked} revoked and ${r.closed!.applied} removed in Entra, evidence signed" (closed, applied), and the quarterly review (${r.active!.items} items, ${r.active!.reviewerItems} for reviewer@, due ${r.active!.dueAt.slice(0, 10)}, as the inbox and the mail say).`,
    );
  await db.$disconnect();
  process.exit(0);
})().catch((e: unknown) => {
  console.error(`Demo seed failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
