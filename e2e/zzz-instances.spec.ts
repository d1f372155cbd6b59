/**
 * Several instances on one database (#20): a second `next start` beside the journeys' app, and two scheduler
 * processes per cron tick, through a whole cycle. A session signed in on one instance is valid on the other; two
 * "Sync now" at once make one sync; a campaign started from both instances at once starts once; decisions come from
 * both; two schedulers at once close and apply the campaign, expire a company's guests and send the notices, and the
 * emulator's log of Graph writes holds each removal once, the mailbox each notice once. Last of the journeys (it moves
 * the scheduler's clock 30 days ahead, closing what the earlier journeys left open).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { expect, test, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { db } from "./authz";
import { groupMembers } from "./graph";
import { schedulerPass } from "./cron";
import { ACCOUNTS, signIn } from "./support";

const env = E2E.env as Record<string, string>;
const portB = Number(new URL(E2E.appUrl).port) + 1;
/** The second instance. Cookies do not depend on the port, so the browser sends both instances the same session. */
const B = `http://localhost:${portB}`;

const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${E2E.emulatorUrl}/_emulator${path}`, {
    method,
    headers: {
      "x-emulator-admin-key": env.EMULATOR_ADMIN_KEY ?? "emulator-admin-key",
      "content-type": "application/json",
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.ok, `${method} ${path}`).toBe(true);
  return (await res.json()) as Record<string, unknown>;
};

interface Write {
  method: string;
  path: string;
  status: number;
}
const writes = async () => (await control("GET", "/writes")).value as Write[];

let second: ChildProcess | undefined;
let secondLog = "";

test.beforeAll(async () => {
  test.setTimeout(120_000);
  // The same build, configuration and database as the first instance: two app servers behind one load balancer.
  second = spawn("node_modules/.bin/next", ["start", "-p", String(portB)], {
    env: { ...(env as NodeJS.ProcessEnv), NODE_ENV: "production", PATH: process.env.PATH },
  });
  second.stdout?.on("data", (d: Buffer) => {
    secondLog += d.toString();
  });
  second.stderr?.on("data", (d: Buffer) => {
    secondLog += d.toString();
  });
  const until = Date.now() + 90_000;
  for (;;) {
    const ok = await fetch(`${B}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until || second.exitCode !== null)
      throw new Error(`the second instance did not start:\n${secondLog}`);
    await new Promise((r) => setTimeout(r, 500));
  }
});

test.afterAll(() => {
  if (second && second.exitCode === null) second.kill("SIGKILL");
});

async function signedIn(page: Page, url: string, upn: string) {
  await page.goto(url);
  await expect(page.getByTestId("signed-in-user")).toContainText(upn);
}

test("two app instances and two schedulers on one database: one sync, one start, decisions from both, each removal and notice once", async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const client = db();
  try {
    const t0 = new Date();
    const adminCtx = await browser.newContext({ baseURL: E2E.appUrl });
    const adminA = await adminCtx.newPage();
    await signIn(adminA, ACCOUNTS.admin);
    await expect(adminA.getByTestId("signed-in-user")).toBeVisible();
    // The session the first instance issued is valid on the second.
    const adminB = await adminCtx.newPage();
    await signedIn(adminB, `${B}/settings`, ACCOUNTS.admin);
    await signedIn(adminA, "/settings", ACCOUNTS.admin);

    // ---- One sync at a time: "Sync now" on both instances at once (Graph slowed so the two overlap).
    await control("POST", "/faults", { latencyMs: 150 });
    try {
      await Promise.all([
        adminA.getByRole("button", { name: "Sync now" }).click(),
        adminB.getByRole("button", { name: "Sync now" }).click(),
      ]);
      const refused = (p: Page) => p.getByRole("alert").filter({ hasText: "A sync is already running" });
      await expect
        .poll(async () => (await refused(adminA).count()) + (await refused(adminB).count()), { timeout: 30_000 })
        .toBe(1);
      // One run since the clicks, and it finished (the page may still show an earlier run's status at first).
      await expect
        .poll(async () => (await client.syncRun.findMany({ where: { startedAt: { gte: t0 } } })).map((r) => r.status), {
          timeout: 90_000,
        })
        .toEqual([expect.stringMatching(/succeeded|partial/)]);
      await expect(adminA.getByTestId("sync-status")).toHaveText(/succeeded|partial/);
    } finally {
      await control("POST", "/faults/reset");
    }

    // ---- A campaign started from both instances at once starts once.
    await adminA.goto("/campaigns/new");
    await adminA.getByLabel("Name", { exact: true }).fill("Instances review");
    await adminA.getByLabel("Scope").selectOption("groups");
    await adminA.getByLabel("Groups", { exact: true }).selectOption({ label: "Partner Collaboration" });
    await adminA.getByRole("button", { name: "Create draft" }).click();
    await expect(adminA.getByTestId("campaign-status")).toHaveText("draft");
    const campaignPath = new URL(adminA.url()).pathname;
    const campaignId = campaignPath.split("/").pop()!;
    await adminB.goto(`${B}${campaignPath}`);
    await expect(adminB.getByTestId("campaign-status")).toHaveText("draft");
    await Promise.all([
      adminA.getByRole("button", { name: "Start campaign" }).click(),
      adminB.getByRole("button", { name: "Start campaign" }).click(),
    ]);
    await expect
      .poll(async () => (await client.campaign.findUniqueOrThrow({ where: { id: campaignId } })).status)
      .toBe("active");
    await adminA.reload();
    await expect(adminA.getByTestId("campaign-status")).toHaveText("active");
    const items = Number(await adminA.getByTestId("stat-items").textContent());
    expect(items).toBeGreaterThan(2);
    expect(await client.campaignItem.count({ where: { campaignId } })).toBe(items);
    expect(await client.auditEvent.count({ where: { action: "campaign.start", targetId: campaignId } })).toBe(1);

    // ---- Decisions from both instances, in one reviewer's session.
    const reviewerCtx = await browser.newContext({ baseURL: E2E.appUrl });
    const revA = await reviewerCtx.newPage();
    await signIn(revA, ACCOUNTS.reviewer);
    await expect(revA.getByTestId("signed-in-user")).toBeVisible();
    await revA.goto(`/reviews/${campaignId}`);
    await expect(revA.getByTestId("progress-text")).toHaveText(new RegExp(`^0 of ${items} decided`));
    await revA.getByRole("navigation", { name: "Who" }).getByRole("link", { name: "Members" }).click();
    await expect(revA.getByRole("navigation", { name: "Who" }).getByRole("link", { name: "Members" })).toHaveAttribute(
      "aria-current",
      "page",
    );
    const row = revA.getByTestId("review-items").locator("tbody tr").first();
    await row.getByRole("button", { name: /^Revoke / }).click();
    await revA.getByLabel("Justification").fill("No longer on the partner project.");
    await revA.getByRole("button", { name: "Confirm revoke" }).click();
    await expect(row.getByTestId("decision-cell")).toContainText("Revoke");

    const revB = await reviewerCtx.newPage();
    await signedIn(revB, `${B}/reviews/${campaignId}`, ACCOUNTS.reviewer);
    // The first instance's decision is there on the second.
    await expect(revB.getByTestId("progress-text")).toHaveText(new RegExp(`^1 of ${items} decided`));
    await revB.getByRole("navigation", { name: "Who" }).getByRole("link", { name: "Guests" }).click();
    await expect(revB.getByRole("navigation", { name: "Who" }).getByRole("link", { name: "Guests" })).toHaveAttribute(
      "aria-current",
      "page",
    );
    const guests = await revB.getByTestId("review-items").locator("tbody tr").count();
    expect(guests).toBeGreaterThan(0);
    await revB.getByLabel("Select all on this page").check();
    await revB.getByRole("button", { name: "Approve selected" }).click();
    await expect(revB.getByRole("status")).toHaveText(`${guests} items decided.`);
    await revA.reload();
    await expect(revA.getByTestId("progress-text")).toHaveText(new RegExp(`^${guests + 1} of ${items} decided`));
    const revoked = await client.campaignItem.findFirstOrThrow({ where: { campaignId, decision: "revoke" } });

    // ---- An end date for one company's guests, set on the second instance.
    const members = await groupMembers("Partner Collaboration");
    const company = members.find((m) => m.userType === "Guest" && m.companyName)?.companyName;
    expect(company, "a guest with a company is still in Partner Collaboration").toBeTruthy();
    await adminB.goto(`${B}/guests`);
    await adminB.getByLabel("Whose access").selectOption("company");
    await adminB.getByLabel("Company", { exact: true }).selectOption(company!);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await adminB.getByLabel("End date", { exact: true }).fill(tomorrow);
    await adminB.getByLabel("Reason", { exact: true }).fill(`${company} contract ends`);
    await adminB.getByRole("button", { name: "Set end date" }).click();
    await expect(adminB.getByRole("status")).toHaveText(/^Access of \d+ (person|people) ends on /);
    const ending = Number((await adminB.getByRole("status").textContent())!.match(/Access of (\d+)/)![1]);
    expect(ending).toBeGreaterThan(0);

    // ---- Cron fires on two hosts at once, 30 days on: the campaign closes and applies, the access ends, notices go.
    await control("DELETE", "/mail");
    const before = (await writes()).length;
    const later = new Date(Date.now() + 30 * 86_400_000);
    const passes = await Promise.all([schedulerPass(later), schedulerPass(later)]);
    const out = passes.map((p) => p.out).join("\n----\n");

    const campaign = await client.campaign.findUniqueOrThrow({ where: { id: campaignId } });
    expect(campaign.status, out).toBe("applied");
    expect((await client.campaignItem.findUniqueOrThrow({ where: { id: revoked.id } })).applyStatus).toBe("applied");
    // Applied once: one write to Graph for the item, and one removal request.
    expect(await client.auditEvent.count({ where: { action: "graph.write", targetId: revoked.id } })).toBe(1);
    const after = (await writes()).slice(before);
    const removal = after.filter((w) => w.method === "DELETE" && w.path.includes(`/members/${revoked.principalId}/`));
    expect(removal, out).toHaveLength(1);
    // No change went to Graph twice (a removal, a blocked sign-in; sendMail is counted by the mailbox below).
    const keys = after.filter((w) => !w.path.endsWith("/sendMail")).map((w) => `${w.method} ${w.path}`);
    expect(
      keys.filter((k, i) => keys.indexOf(k) !== i),
      `${JSON.stringify(after)}\n${out}`,
    ).toEqual([]);
    // Each person's access ended once.
    const expired = await client.auditEvent.findMany({
      where: { action: "expiry.execute", at: { gte: t0 } },
      select: { targetId: true },
    });
    expect(expired.length, out).toBe(ending);
    expect(new Set(expired.map((e) => e.targetId)).size).toBe(ending);
    // Each notice went once: no recipient got the same subject twice.
    const mail = (await control("GET", "/mail")).value as {
      message: { subject: string; toRecipients: { emailAddress: { address: string } }[] };
    }[];
    expect(mail.length, out).toBeGreaterThan(0);
    const sent = mail.map((m) => `${m.message.toRecipients[0]!.emailAddress.address} ${m.message.subject}`);
    expect(sent.filter((k, i) => sent.indexOf(k) !== i)).toEqual([]);
    // Neither pass left a message claimed.
    expect(await client.outboxMessage.count({ where: { status: "sending" } })).toBe(0);
  } finally {
    await client.$disconnect();
  }
});

test("the second instance stops cleanly on SIGTERM: its running sync stops and releases the lock, Next's shutdown runs, then it exits", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const client = db();
  try {
    // A "Sync now" running inside the second instance (Graph slowed so it is still fetching at the signal).
    const ctx = await browser.newContext({ baseURL: E2E.appUrl });
    const admin = await ctx.newPage();
    await signIn(admin, ACCOUNTS.admin);
    await expect(admin.getByTestId("signed-in-user")).toBeVisible();
    await signedIn(admin, `${B}/settings`, ACCOUNTS.admin);
    const t0 = new Date();
    await control("POST", "/faults", { latencyMs: 400 });
    let run: { id: string; status: string; error: string | null } | null = null;
    try {
      await admin.getByRole("button", { name: "Sync now" }).click();
      await expect
        .poll(
          async () => {
            run = await client.syncRun.findFirst({ where: { startedAt: { gte: t0 }, trigger: "manual" } });
            return run?.status;
          },
          { timeout: 30_000 },
        )
        .toBe("running");
      expect((await client.syncLock.findMany()).map((l) => l.runId)).toEqual([run!.id]);
      await ctx.close();

      const exited = new Promise<number | null>((resolve) => second!.once("exit", (code) => resolve(code)));
      second!.kill("SIGTERM");
      // 143 (128 + SIGTERM) is Next's own exit after its shutdown ran; a process killed outright has no exit code.
      expect(await exited, secondLog).toBe(143);
    } finally {
      await control("POST", "/faults/reset");
    }
    await expect(fetch(`${B}/api/health`)).rejects.toThrow();
    // Before the process ended, the run said why it stopped and gave the lock back: the next sync need not wait for
    // the heartbeat to go stale (10 minutes).
    const after = await client.syncRun.findUniqueOrThrow({ where: { id: run!.id } });
    expect(after.status, secondLog).toBe("failed");
    expect(after.error).toMatch(/aborted/i);
    expect(await client.syncLock.count()).toBe(0);
  } finally {
    await client.$disconnect();
  }
});
