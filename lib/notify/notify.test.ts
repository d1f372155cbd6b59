/**
 * Notices by mail and Teams (#18), end to end against real parts: the emulator's Graph sendMail (Mail.Send checked,
 * 429 injected), a real SMTP server in this process, a real HTTP receiver for the Teams webhook, the real database
 * (both engines), and real scheduler processes killed with SIGKILL.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  closeCampaign,
  createCampaign,
  notifyReviewers,
  quarterlyPreset,
  remindReviewers,
  startCampaign,
  type Actor,
} from "@/lib/reviews";
import { setup } from "@/tests/support/emulator-fixture";
import { startDroppingSmtp, startSmtp, startWebhook } from "@/tests/support/receivers";
import type { NotifyConfig } from "./config";
import { composeOutbox, DIGEST_HOUR_UTC } from "./compose";
import { deliverOutbox, resolveMessage } from "./deliver";
import { notifyAdmins } from "./notices";
import type { TeamsMessage } from "./render";
import { transportsFor } from "./transports";

let s: Awaited<ReturnType<typeof setup>>;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let hook: Awaited<ReturnType<typeof startWebhook>>;
let ADMIN: Actor;
let reviewerId = "";
let sender = "";
let campaignId = "";
const root = path.resolve(import.meta.dirname, "../..");
const PUBLIC = "https://recert.example.com";

const cfg = (mail: "graph" | "smtp" | null, teams: boolean): NotifyConfig => ({
  mail:
    mail === "graph"
      ? { transport: "graph", from: sender, perMinute: 100_000 }
      : mail === "smtp"
        ? { transport: "smtp", from: sender, url: smtp.url, perMinute: 100_000 }
        : null,
  teams: teams ? { webhookUrl: hook.url } : null,
  publicUrl: PUBLIC,
});
const transports = (c: NotifyConfig) => transportsFor(c, () => s.writeClient(0));
const graphMail = async () =>
  (await s.control("GET", "/mail")).value as {
    id: string;
    sender: string;
    text: string;
    html: string;
    message: { subject: string; toRecipients: { emailAddress: { address: string } }[] };
  }[];
const cards = () => hook.received as TeamsMessage[];
const cardTitle = (m: TeamsMessage) =>
  (m.attachments[0]!.content.body as { inlines: { text: string }[] }[])[0]!.inlines[0]!.text;

/** Outbox rows written straight to the table, to test the sender alone. */
async function queue(n: number, channel: "mail" | "teams" = "mail", prefix = "t"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = await s.db.outboxMessage.create({
      data: {
        tenantId: s.tenantId,
        channel,
        dedupeKey: `${prefix}:${i}:${Math.random()}`,
        kind: "digest",
        address: channel === "mail" ? `person${i}@example.com` : "channel",
        subject: `Message ${prefix} ${i}`,
        text: `Body ${i}`,
        html: `<p>Body ${i}</p>`,
        card: channel === "teams" ? JSON.stringify({ type: "message", attachments: [] }) : null,
        noticeIds: "[]",
        status: "pending",
        nextAttemptAt: new Date(Date.now() - 1000),
        createdAt: new Date(),
      },
    });
    ids.push(m.id);
  }
  return ids;
}

const schedulerEnv = () =>
  s.cliEnv({
    NOTIFY_MAIL: "smtp",
    NOTIFY_MAIL_FROM: sender,
    NOTIFY_SMTP_URL: smtp.url,
    NOTIFY_MAIL_PER_MINUTE: "100000",
    RECERT_PUBLIC_URL: PUBLIC,
  });

/** Nothing left over from an earlier test: every notice taken, every unsent message out of the way. */
async function quiet() {
  await s.db.notification.updateMany({ where: { composedAt: null }, data: { composedAt: new Date() } });
  await s.db.outboxMessage.updateMany({ where: { status: { not: "sent" } }, data: { status: "dismissed" } });
}

beforeAll(async () => {
  s = await setup({ users: 300 });
  await s.syncNow();
  smtp = await startSmtp();
  hook = await startWebhook();
  const t = s.emu.tenant;
  const admin = t.userByUpn.get(t.wellKnown[0]!.upn.toLowerCase())!;
  const reviewer = t.userByUpn.get(t.wellKnown[2]!.upn.toLowerCase())!;
  reviewerId = reviewer.id;
  sender = admin.userPrincipalName;
  ADMIN = { id: admin.id, name: admin.displayName, role: "admin" };
  await s.db.principal.create({
    data: {
      id: admin.id,
      tenantId: s.tenantId,
      displayName: admin.displayName,
      upn: admin.userPrincipalName,
      role: "admin",
    },
  });
}, 120_000);
afterAll(async () => {
  await smtp?.close();
  await hook?.close();
  await s?.close();
});

describe("every notice type, through each channel", () => {
  test("Graph mail and Teams: a reviewer gets one digest covering every reviewer notice, admins a summary each, the channel a card per event", async () => {
    const preset = quarterlyPreset(new Date());
    preset.config.stages = [
      { reviewers: "managers", chosenIds: [], fallbackIds: [], durationDays: 14, advance: ["approve"] },
    ];
    ({ campaignId } = await createCampaign(s.ctx, ADMIN, preset));
    await startCampaign(s.ctx, ADMIN, campaignId);
    // The assignment notices committed with the start itself (the outbox's record).
    expect(await s.db.notification.count({ where: { campaignId, kind: "assigned", recipientId: reviewerId } })).toBe(1);
    await remindReviewers(s.ctx, campaignId);
    for (const kind of ["overdue", "escalation", "stage"] as const) await notifyReviewers(s.ctx, campaignId, 1, kind);
    await closeCampaign(s.ctx, ADMIN, campaignId, "Quarter ended");
    await notifyAdmins(s.db, s.tenantId, new Date(), {
      campaignId,
      kind: "applied",
      subject: "Applied: test",
      body: "Every revocation is confirmed.",
      link: `/campaigns/${campaignId}`,
    });
    const reviewers = (
      await s.db.notification.findMany({ where: { campaignId, kind: "assigned" }, select: { recipientId: true } })
    ).length;

    const c = cfg("graph", true);
    const composed = await composeOutbox(s.ctx, c);
    // One digest per reviewer, one summary per admin notice (closed, applied), one card per event (7 kinds).
    expect(composed.messages).toBe(reviewers + 2 + 7);
    const report = await deliverOutbox(s.ctx, transports(c));
    const failedNoAddress = await s.db.outboxMessage.count({ where: { status: "failed" } });
    expect(report).toMatchObject({ sent: composed.messages - failedNoAddress, failed: 0, retried: 0 });

    const mail = await graphMail();
    const toReviewer = mail.filter(
      (m) => m.message.toRecipients[0]!.emailAddress.address === s.emu.tenant.userById.get(reviewerId)!.mail,
    );
    expect(toReviewer).toHaveLength(1);
    const digest = toReviewer[0]!;
    expect(digest.sender).toBe(sender);
    expect(digest.message.subject).toBe("Recert: 5 notices about your access reviews");
    for (const label of ["New review", "Reminder", "Overdue", "Escalated to you", "Handed on to you"]) {
      expect(digest.text).toContain(label);
      expect(digest.html).toContain(label);
    }
    expect(digest.text).toContain(`${PUBLIC}/reviews/${campaignId}`);
    expect(digest.html).toContain(`href="${PUBLIC}/reviews/${campaignId}"`);
    expect(digest.html).toContain('name="color-scheme" content="light dark"');
    const toAdmin = mail.filter(
      (m) => m.message.toRecipients[0]!.emailAddress.address === s.emu.tenant.userById.get(ADMIN.id)!.mail,
    );
    expect(
      toAdmin
        .map((m) => m.message.subject)
        .filter((x) => /^(Closed|Applied)/.test(x))
        .sort(),
    ).toEqual(["Applied: test", `Closed: ${preset.name}`]);
    expect(toAdmin.find((m) => m.message.subject.startsWith("Closed"))!.text).toContain(
      `${PUBLIC}/campaigns/${campaignId}`,
    );

    expect(cards().map(cardTitle).sort()).toEqual(
      [
        `Access review: ${preset.name}`,
        `Access review: ${preset.name}, stage 1`,
        (await s.db.notification.findFirstOrThrow({ where: { campaignId, kind: "reminder" } })).subject,
        `Overdue: ${preset.name}`,
        `Escalated to you: ${preset.name}`,
        `Closed: ${preset.name}`,
        "Applied: test",
      ].sort(),
    );
    // Text only ever in TextRuns, which Teams never reads as Markdown.
    expect(JSON.stringify(cards())).not.toContain('"type":"TextBlock"');

    // Nothing is composed or sent twice.
    expect(await composeOutbox(s.ctx, c)).toEqual({ notices: 0, messages: 0 });
    expect((await deliverOutbox(s.ctx, transports(c))).sent).toBe(0);
    expect(await graphMail()).toHaveLength(mail.length);
    // The in-app inbox keeps every notice.
    expect(await s.db.notification.count({ where: { recipientId: reviewerId, campaignId } })).toBe(5);
  });

  test("SMTP: later notices wait for the next day's digest, which arrives once, with both parts", async () => {
    const c = cfg("smtp", false);
    const before = smtp.received.length;
    await notifyReviewers({ ...s.ctx }, campaignId, 1, "reminder");
    await composeOutbox(s.ctx, c);
    // Today's digest has gone (through Graph, above): today's later notices wait for tomorrow's.
    expect((await deliverOutbox(s.ctx, transports(c))).sent).toBe(0);
    expect(smtp.received.length).toBe(before);
    const tomorrow = new Date(Date.now() + 86_400_000);
    const at = new Date(`${tomorrow.toISOString().slice(0, 10)}T${String(DIGEST_HOUR_UTC).padStart(2, "0")}:00:01Z`);
    const r = await deliverOutbox({ ...s.ctx, now: () => at }, transports(c));
    expect(r.sent).toBeGreaterThan(0);
    const address = s.emu.tenant.userById.get(reviewerId)!.mail!;
    const got = smtp.received.slice(before).filter((m) => m.to.includes(address));
    expect(got).toHaveLength(1);
    expect(got[0]!.subject).toMatch(/^Reminder: /);
    expect(got[0]!.from).toBe(sender);
    expect(got[0]!.text).toContain(`${PUBLIC}/reviews/${campaignId}`);
    expect(got[0]!.html).toContain(`${PUBLIC}/reviews/${campaignId}`);
    expect(got[0]!.messageId).toMatch(/@recert\.invalid>$/);
  });
});

describe("refusals and throttling", () => {
  test("SMTP: a 4xx reply is retried after a backoff, a 5xx is failed with the reason; an admin can send it again", async () => {
    await quiet();
    const ids = await queue(3, "mail", "smtp");
    smtp.refuse.push({ code: 450, message: "Greylisted, try again" }, { code: 550, message: "Mailbox unavailable" });
    const c = cfg("smtp", false);
    const r = await deliverOutbox(s.ctx, transports(c));
    expect(r).toMatchObject({ sent: 1, retried: 1, failed: 1 });
    const rows = await s.db.outboxMessage.findMany({ where: { id: { in: ids } }, orderBy: { subject: "asc" } });
    const [a, b, third] = rows;
    expect(a).toMatchObject({ status: "pending", attempts: 1 });
    expect(a!.lastError).toContain("450");
    expect(a!.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(Date.now() + 50_000);
    expect(b).toMatchObject({ status: "failed" });
    expect(b!.lastError).toContain("550");
    expect(third).toMatchObject({ status: "sent", transport: "smtp" });
    const later = { ...s.ctx, now: () => new Date(Date.now() + 61_000) };
    expect((await deliverOutbox(later, transports(c))).sent).toBe(1);
    expect(await resolveMessage(s.ctx, b!.id, "resend")).toEqual({ status: "pending" });
    expect((await deliverOutbox(s.ctx, transports(c))).sent).toBe(1);
    expect(await resolveMessage(s.ctx, b!.id, "resend")).toBeNull(); // only a failed or unconfirmed one
  });

  test("SMTP: the relay refusing the sender (550 5.7.60 at MAIL FROM) pauses the channel; the messages wait, none fails", async () => {
    await quiet();
    const ids = await queue(2, "mail", "sendas");
    smtp.state.refuseSender = true;
    try {
      const r = await deliverOutbox(s.ctx, transports(cfg("smtp", false)));
      expect(r).toMatchObject({ sent: 0, failed: 0, retried: 1, throttled: ["mail"] });
    } finally {
      smtp.state.refuseSender = false;
    }
    const rows = await s.db.outboxMessage.findMany({ where: { id: { in: ids } } });
    expect(rows.every((m) => m.status === "pending")).toBe(true);
    expect(rows.some((m) => m.lastError?.includes("5.7.60"))).toBe(true);
  });

  test("Graph: a 429 is retried after its Retry-After and pauses the mailbox's queue; a sender outside the access policy pauses it too, without failing the messages", async () => {
    await quiet();
    const ids = await queue(3, "mail", "graph");
    await s.control("POST", "/faults", { throttle: 1, count: 1, pathPrefix: "/users/" });
    const c = cfg("graph", false);
    const t0 = Date.now();
    const r = await deliverOutbox(s.ctx, transports(c));
    expect(r).toMatchObject({ sent: 0, retried: 1, throttled: ["mail"] });
    const throttled = (await s.db.outboxMessage.findMany({ where: { id: { in: ids }, attempts: 1 } }))[0]!;
    expect(throttled.lastError).toMatch(/429/);
    expect(throttled.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(t0 + 60_000);
    expect(await s.db.outboxMessage.count({ where: { id: { in: ids }, attempts: 0, status: "pending" } })).toBe(2);
    // Exchange's application access policy scoping the app to another mailbox: 403, true of every message: the
    // channel waits and the messages stay pending (an admin fixes the policy), instead of all failing.
    await s.control("POST", "/mail/policy", { senders: ["someone.else@contoso.onmicrosoft.com"] });
    try {
      const r2 = await deliverOutbox(s.ctx, transports(c));
      expect(r2).toMatchObject({ failed: 0, sent: 0, retried: 1, throttled: ["mail"] });
      const refused = await s.db.outboxMessage.findFirstOrThrow({
        where: { id: { in: ids }, lastError: { contains: "ErrorAccessDenied" } },
      });
      expect(refused.status).toBe("pending");
    } finally {
      await s.control("POST", "/mail/policy", { senders: null });
    }
    const r3 = await deliverOutbox({ ...s.ctx, now: () => new Date(Date.now() + 3 * 60_000) }, transports(c));
    expect(r3.sent).toBe(3);
  });

  test("Teams: a 429 waits for the webhook's Retry-After; a 404 (a deleted flow) pauses the channel, the card waits", async () => {
    await quiet();
    const ids = await queue(2, "teams", "teams");
    hook.refuse.push({ status: 429, retryAfterS: 600 }, { status: 404 });
    const c = cfg(null, true);
    const t0 = Date.now();
    const r = await deliverOutbox(s.ctx, transports(c));
    expect(r).toMatchObject({ retried: 1, throttled: ["teams"] });
    const waiting = await s.db.outboxMessage.findFirstOrThrow({ where: { id: { in: ids }, attempts: 1 } });
    expect(waiting.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(t0 + 600_000);
    const r2 = await deliverOutbox(s.ctx, transports(c));
    expect(r2).toMatchObject({ retried: 1, failed: 0, throttled: ["teams"] });
    const other = await s.db.outboxMessage.findUniqueOrThrow({ where: { id: ids.find((x) => x !== waiting.id)! } });
    expect(other).toMatchObject({ status: "pending", attempts: 1 });
    expect(other.lastError).toContain("404");
  });

  test("a connection lost during the SMTP transaction leaves the message unconfirmed, never sent again on its own; a refused connection is retried", async () => {
    await quiet();
    const drop = await startDroppingSmtp();
    try {
      const [id] = await queue(1, "mail", "drop");
      const dropping = transportsFor(
        { ...cfg(null, false), mail: { transport: "smtp", from: sender, url: drop.url, perMinute: 100_000 } },
        () => s.writeClient(0),
      );
      const r = await deliverOutbox(s.ctx, dropping);
      expect(r).toMatchObject({ unconfirmed: 1, sent: 0, retried: 0 });
      expect(drop.dataReceived).toBe(1); // the relay had the whole message when the line went
      expect(await s.db.outboxMessage.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "unconfirmed" });
      expect((await deliverOutbox(s.ctx, dropping)).unconfirmed).toBe(0);
      expect(drop.dataReceived).toBe(1);
    } finally {
      await drop.close();
    }
    const [id2] = await queue(1, "mail", "refused");
    const refused = transportsFor(
      { ...cfg(null, false), mail: { transport: "smtp", from: sender, url: "smtp://127.0.0.1:1", perMinute: 100_000 } },
      () => s.writeClient(0),
    );
    expect(await deliverOutbox(s.ctx, refused)).toMatchObject({ retried: 1, throttled: ["mail"] });
    expect(await s.db.outboxMessage.findUniqueOrThrow({ where: { id: id2 } })).toMatchObject({ status: "pending" });
  });

  test("the sender sends each row as it claims it: a digest a composer grew meanwhile goes out whole, and one another sender pushed back is left", async () => {
    await quiet();
    const [first, grown, pushed] = await queue(3, "mail", "race");
    const before = smtp.received.length;
    const c = cfg("smtp", false);
    const real = transports(c);
    let calls = 0;
    const racing = {
      ...real,
      mail: {
        ...real.mail!,
        send: async (m: Parameters<NonNullable<typeof real.mail>["send"]>[0]) => {
          if (calls++ === 0) {
            // While the first message goes out, a composer adds to the second and another sender backs off the third.
            await s.db.outboxMessage.update({ where: { id: grown }, data: { text: "Body grown by a composer" } });
            await s.db.outboxMessage.update({
              where: { id: pushed },
              data: { nextAttemptAt: new Date(Date.now() + 3_600_000) },
            });
          }
          return real.mail!.send(m);
        },
      },
    };
    const r = await deliverOutbox(s.ctx, racing);
    expect(r.sent).toBe(2);
    const got = smtp.received.slice(before);
    expect(got.map((m) => m.recertId).sort()).toEqual([first, grown].sort());
    expect(got.find((m) => m.recertId === grown)!.text).toContain("Body grown by a composer");
    expect(await s.db.outboxMessage.findUniqueOrThrow({ where: { id: pushed } })).toMatchObject({
      status: "pending",
      attempts: 0,
    });
  });

  test("the emulator's sendMail refuses as Graph does: no Mail.Send, a guest sender, bad MIME", async () => {
    const guest = s.emu.tenant.users.find((u) => u.userType === "Guest")!;
    const read = s.graph();
    const noPermission = await (
      read as unknown as { send: (m: string, p: string, b: unknown) => Promise<{ status: number; body: unknown }> }
    ).send("POST", `/users/${encodeURIComponent(sender)}/sendMail`, {
      message: { subject: "x", toRecipients: [{ emailAddress: { address: "a@example.com" } }] },
    });
    expect(noPermission.status).toBe(403);
    expect(JSON.stringify(noPermission.body)).toContain("ErrorAccessDenied");
    const w = s.writeClient(0);
    const asGuest = await w.send("POST", `/users/${encodeURIComponent(guest.userPrincipalName)}/sendMail`, {
      message: { subject: "x", toRecipients: [{ emailAddress: { address: "a@example.com" } }] },
    });
    expect(asGuest.status).toBe(404);
    expect(JSON.stringify(asGuest.body)).toContain("MailboxNotEnabledForRESTAPI");
    const badMime = await w.send("POST", `/users/${encodeURIComponent(sender)}/sendMail`, "not base64!!", {
      "Content-Type": "text/plain",
    });
    expect(badMime.status).toBe(400);
    const forged = Buffer.from("From: ceo@contoso.onmicrosoft.com\r\nTo: a@example.com\r\nSubject: x\r\n\r\nhi\r\n");
    const sendAs = await w.send("POST", `/users/${encodeURIComponent(sender)}/sendMail`, forged.toString("base64"), {
      "Content-Type": "text/plain",
    });
    expect(sendAs.status).toBe(403);
    expect(JSON.stringify(sendAs.body)).toContain("ErrorSendAsDenied");
    const noRecipient = await w.send("POST", `/users/${encodeURIComponent(sender)}/sendMail`, {
      message: { subject: "x" },
    });
    expect(noRecipient.status).toBe(400);
  });
});

describe("who gets what", () => {
  test("someone without a mail address: one failed row for Settings, never a row a day, never 'sent again'", async () => {
    await quiet();
    const guest = s.emu.tenant.users.find((u) => u.userType === "Guest")!;
    const original = await s.db.dirUser.findUniqueOrThrow({ where: { id: guest.id }, select: { mail: true } });
    await s.db.dirUser.update({ where: { id: guest.id }, data: { mail: null } });
    try {
      const c = cfg("smtp", false);
      for (const d of [5, 6, 7]) {
        const at = new Date(Date.now() + d * 86_400_000);
        await s.db.notification.create({
          data: {
            tenantId: s.tenantId,
            recipientId: guest.id,
            kind: "reminder",
            subject: "Reminder",
            body: "1 item to review.",
            link: `/reviews/${campaignId}`,
            campaignId,
            createdAt: at,
          },
        });
        await composeOutbox({ ...s.ctx, now: () => at }, c);
      }
      const rows = await s.db.outboxMessage.findMany({ where: { recipientId: guest.id, channel: "mail" } });
      expect(rows.filter((r) => r.address === "")).toHaveLength(1);
      const row = rows.find((r) => r.address === "")!;
      expect(row).toMatchObject({ status: "failed" });
      expect(row.lastError).toContain("has no mail address in Entra");
      expect(await resolveMessage(s.ctx, row.id, "resend")).toBeNull();
      expect(await s.db.notification.count({ where: { recipientId: guest.id, composedAt: null } })).toBe(0);
    } finally {
      await s.db.dirUser.update({ where: { id: guest.id }, data: { mail: original.mail } });
    }
  });

  test("a campaign with mail off: its reviewers get no mail (the inbox still has it), admins still get its summary", async () => {
    await quiet();
    const preset = quarterlyPreset(new Date());
    preset.name = "Quiet review";
    preset.config.notify = { mail: false, teams: false };
    preset.config.stages = [
      { reviewers: "managers", chosenIds: [], fallbackIds: [], durationDays: 14, advance: ["approve"] },
    ];
    const { campaignId: quietId } = await createCampaign(s.ctx, ADMIN, preset);
    await startCampaign(s.ctx, ADMIN, quietId);
    await closeCampaign(s.ctx, ADMIN, quietId, "Done");
    const at = new Date(Date.now() + 20 * 86_400_000);
    await composeOutbox({ ...s.ctx, now: () => at }, cfg("smtp", true));
    const notices = await s.db.notification.findMany({
      where: { campaignId: quietId },
      select: { id: true, kind: true },
    });
    expect(notices.filter((n) => n.kind === "assigned").length).toBeGreaterThan(0);
    const messages = await s.db.outboxMessage.findMany({ where: { createdAt: at } });
    const carried = messages.flatMap((m) => JSON.parse(m.noticeIds) as string[]);
    for (const n of notices) expect(carried.includes(n.id), n.kind).toBe(n.kind === "closed");
    expect(messages.every((m) => m.channel === "mail")).toBe(true);
  });
});

describe("admins' summaries", () => {
  test("the campaign's creator is told of its close even before signing in to Recert (no principal row yet)", async () => {
    const t = s.emu.tenant;
    const creator = t.users.find((u) => u.userType === "Member" && u.accountEnabled && u.id !== ADMIN.id && u.mail)!;
    expect(await s.db.principal.count({ where: { id: creator.id } })).toBe(0);
    const preset = quarterlyPreset(new Date());
    preset.name = "Created by someone not yet signed in";
    preset.config.stages = [
      { reviewers: "managers", chosenIds: [], fallbackIds: [], durationDays: 14, advance: ["approve"] },
    ];
    const by: Actor = { id: creator.id, name: creator.displayName, role: "admin" };
    const { campaignId: id } = await createCampaign(s.ctx, by, preset);
    await startCampaign(s.ctx, by, id);
    await closeCampaign(s.ctx, by, id, "Done");
    const closed = await s.db.notification.findMany({ where: { campaignId: id, kind: "closed" } });
    expect(closed.map((n) => n.recipientId).sort()).toEqual([ADMIN.id, creator.id].sort());
  });
});

describe("what an attacker would try", () => {
  test("a guest's display name and a campaign name with markup, Markdown and a forged header stay text in mail and cards", async () => {
    await quiet();
    const evil = `<img src=x onerror=alert(1)> [Approve all](https://evil.example) **now**`;
    await s.db.dirUser.update({ where: { id: reviewerId }, data: { displayName: evil } });
    await s.db.campaign.update({
      where: { id: campaignId },
      data: { name: "Q4\r\nBcc: victim@evil.example\r\n<b>x</b>" },
    });
    try {
      await s.db.notification.create({
        data: {
          tenantId: s.tenantId,
          recipientId: reviewerId,
          kind: "delegated",
          subject: "Access review: Q4\r\nBcc: victim@evil.example\r\n<b>x</b>",
          body: `${evil} handed you 3 item(s) to review: because`,
          link: "https://evil.example/phish",
          campaignId,
          createdAt: new Date(),
        },
      });
      const c = cfg("smtp", true);
      const at = new Date(Date.now() + 3 * 86_400_000);
      const ctx = { ...s.ctx, now: () => at };
      await composeOutbox(ctx, c);
      const before = smtp.received.length;
      const cardsBefore = cards().length;
      await deliverOutbox(ctx, transports(c));
      const m = smtp.received.slice(before).find((x) => x.to.includes(s.emu.tenant.userById.get(reviewerId)!.mail!))!;
      expect(m).toBeDefined();
      expect(m.subject).toBe("Access review: Q4 Bcc: victim@evil.example <b>x</b>");
      // The header block has no Bcc line, and the relay was asked to deliver to the reviewer alone.
      expect(m.raw.split(/\r?\n\r?\n/)[0]).not.toMatch(/^Bcc:/im);
      expect(m.to).toEqual([s.emu.tenant.userById.get(reviewerId)!.mail!.toLowerCase()]);
      expect(m.html).not.toContain("<img src=x");
      expect(m.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
      expect(m.html).not.toContain('href="https://evil.example');
      expect(m.text).toContain(`${PUBLIC}/reviews`); // the link became Recert's own page
      const card = cards().slice(cardsBefore)[0]!;
      const body = card.attachments[0]!.content.body as { type: string; inlines: { type: string; text: string }[] }[];
      expect(body.every((b) => b.type === "RichTextBlock" && b.inlines.every((i) => i.type === "TextRun"))).toBe(true);
      expect(body.some((b) => b.inlines[0]!.text.includes("[Approve all](https://evil.example)"))).toBe(true);
      expect((card.attachments[0]!.content.actions as { url: string }[])[0]!.url.startsWith(`${PUBLIC}/`)).toBe(true);
    } finally {
      const u = s.emu.tenant.userById.get(reviewerId)!;
      await s.db.dirUser.update({ where: { id: reviewerId }, data: { displayName: u.displayName } });
    }
  });
});

describe("delivery that loses nothing and repeats nothing", () => {
  test("two schedulers at once (two processes) send every message exactly once", async () => {
    await quiet();
    const ids = await queue(40, "mail", "pair");
    const before = smtp.received.length;
    // The relay holds its first answer until both schedulers are connected, so the passes do overlap: each must send
    // some, and none the same.
    smtp.state.replyDelayMs = 20;
    smtp.state.gate = 2;
    smtp.state.peak = smtp.state.open;
    const env = schedulerEnv();
    const run = () =>
      new Promise<{ code: number | null; sent: number }>((resolve) => {
        const child = spawn(
          process.execPath,
          [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/scheduler.ts", "--json"],
          { cwd: root, env },
        );
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
        });
        child.on("exit", (code) => {
          const last = out.trim().split("\n").pop() ?? "{}";
          const sent =
            (JSON.parse(last) as { notices?: { delivery?: { sent?: number } } }).notices?.delivery?.sent ?? 0;
          resolve({ code, sent });
        });
      });
    let results: { code: number | null; sent: number }[];
    try {
      results = await Promise.all([run(), run()]);
    } finally {
      smtp.state.replyDelayMs = 0;
      smtp.state.gate = 0;
    }
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(
      results.every((r) => r.sent > 0),
      JSON.stringify(results),
    ).toBe(true);
    expect(results[0]!.sent + results[1]!.sent).toBe(40);
    const got = smtp.received
      .slice(before)
      .map((m) => m.recertId)
      .filter((id) => ids.includes(id));
    expect(got.sort()).toEqual([...ids].sort());
    const rows = await s.db.outboxMessage.findMany({
      where: { id: { in: ids } },
      select: { status: true, attempts: true },
    });
    expect(rows.every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
  }, 120_000);

  test("a scheduler killed mid-batch (SIGKILL) and the next pass: no message lost, none sent twice", async () => {
    await quiet();
    const ids = await queue(30, "mail", "kill");
    const before = smtp.received.length;
    smtp.state.replyDelayMs = 150;
    const env = schedulerEnv();
    const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/scheduler.ts"], {
      cwd: root,
      env,
      stdio: "ignore",
      detached: true,
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_c, signal) => resolve(signal)));
    try {
      const deadline = Date.now() + 60_000;
      while (smtp.received.length - before < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(smtp.received.length - before).toBeGreaterThanOrEqual(5);
      process.kill(-child.pid!, "SIGKILL");
      expect(await exited).toBe("SIGKILL");
    } finally {
      smtp.state.replyDelayMs = 0;
    }
    const midway = await s.db.outboxMessage.groupBy({
      by: ["status"],
      where: { id: { in: ids } },
      _count: { _all: true },
    });
    const count = (st: string) => midway.find((g) => g.status === st)?._count._all ?? 0;
    expect(count("sending")).toBeLessThanOrEqual(1);
    expect(count("pending")).toBeGreaterThan(0); // killed mid-batch

    // The next pass, after the dead sender's lease: it finishes the batch and leaves the in-flight one to an admin.
    const later = new Date(Date.now() + 11 * 60_000).toISOString();
    // Not spawnSync: the SMTP server lives in this process and must keep answering.
    const next = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(
        process.execPath,
        [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/scheduler.ts", "--now", later],
        { cwd: root, env },
      );
      let stdout = "";
      let stderr = "";
      c.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      c.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      c.on("exit", (status) => resolve({ status, stdout, stderr }));
    });
    expect(next.status, next.stdout + next.stderr).toBe(0);
    const rows = await s.db.outboxMessage.findMany({ where: { id: { in: ids } } });
    const received = smtp.received
      .slice(before)
      .map((m) => m.recertId)
      .filter((id) => ids.includes(id));
    expect(new Set(received).size).toBe(received.length); // none twice
    const unconfirmed = rows.filter((r) => r.status === "unconfirmed");
    expect(unconfirmed.length).toBe(count("sending"));
    expect(rows.filter((r) => r.status === "sent" || r.status === "unconfirmed")).toHaveLength(30);
    for (const r of rows.filter((x) => x.status === "sent")) expect(received).toContain(r.id);
    // Every message arrived, but perhaps the one in flight at the kill, which is flagged, not silently dropped.
    const missing = ids.filter((id) => !received.includes(id));
    expect(missing.every((id) => unconfirmed.some((u) => u.id === id))).toBe(true);
    expect(next.stdout).toMatch(/notices: .* sent/);
  }, 120_000);
});
