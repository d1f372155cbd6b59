// Runs after sign-in.spec.ts, which expects reviewer@ to start with nothing to review: this journey leaves a review open.
import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { schedulerPass } from "./cron";
import { ACCOUNTS, signIn } from "./support";

const control = async (method: string, path: string) => {
  const res = await fetch(`${E2E.emulatorUrl}/_emulator${path}`, {
    method,
    headers: { "x-emulator-admin-key": (E2E.env as Record<string, string>).EMULATOR_ADMIN_KEY ?? "emulator-admin-key" },
  });
  expect(res.ok).toBe(true);
  return (await res.json()) as Record<string, unknown>;
};

test("a reminder reaches the reviewer by mail (Graph sendMail) and its link opens the review page", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const admin = await (await browser.newContext({ baseURL: E2E.appUrl })).newPage();
  await signIn(admin, ACCOUNTS.admin);
  await admin.goto("/settings");
  await admin.getByRole("button", { name: "Sync now" }).click();
  await expect(admin.getByTestId("sync-status")).toHaveText(/succeeded|partial/, { timeout: 60_000 });
  await expect(admin.getByTestId("notice-mail")).toHaveText(`Microsoft Graph sendMail as ${ACCOUNTS.admin}`);

  await admin.goto("/campaigns/new");
  await admin.getByLabel("Name", { exact: true }).fill("Notices review");
  await admin.getByLabel("Scope").selectOption("groups");
  await admin.getByLabel("Groups", { exact: true }).selectOption({ label: "Partner Collaboration" });
  await admin.getByRole("button", { name: "Create draft" }).click();
  await admin.getByRole("button", { name: "Start campaign" }).click();
  await expect(admin.getByTestId("campaign-status")).toHaveText("active");
  const campaignId = new URL(admin.url()).pathname.split("/").pop()!;
  await admin.getByRole("button", { name: "Send reminders" }).click();
  await expect(admin.getByRole("status").filter({ hasText: /reviewer\(s\) reminded/ })).toBeVisible();

  // Cron's pass on the next morning, when the day's digest goes (today's may have gone in an earlier test).
  await control("DELETE", "/mail");
  const tomorrow = new Date(Date.now() + 86_400_000);
  const r = await schedulerPass(new Date(`${tomorrow.toISOString().slice(0, 10)}T08:00:00Z`));
  expect(r.status, r.out).toBe(0);
  expect(r.out).toMatch(/notices: .*[1-9]\d* sent/);

  const mail = (await control("GET", "/mail")).value as {
    text: string;
    html: string;
    message: { subject: string; toRecipients: { emailAddress: { address: string } }[] };
  }[];
  const mine = mail.filter((m) => m.message.toRecipients[0]!.emailAddress.address === ACCOUNTS.reviewer);
  expect(mine).toHaveLength(1);
  expect(mine[0]!.text).toContain("Reminder: Notices review is due");
  const link = mine[0]!.text.match(new RegExp(`${E2E.appUrl}/reviews/${campaignId}`))?.[0];
  expect(link).toBeTruthy();
  expect(mine[0]!.html).toContain(`href="${link}"`);

  // The reviewer follows the link from the mail.
  const reviewer = await (await browser.newContext({ baseURL: E2E.appUrl })).newPage();
  await signIn(reviewer, ACCOUNTS.reviewer);
  await expect(reviewer.getByTestId("signed-in-user")).toBeVisible();
  await reviewer.goto(link!);
  await expect(reviewer.getByRole("heading", { name: "Notices review" })).toBeVisible();
  await expect(reviewer.getByTestId("progress-text")).toHaveText(/^0 of \d+ decided/);
  // The same notice waits in the in-app inbox.
  await reviewer.goto("/reviews");
  await expect(reviewer.getByText("Reminder: Notices review is due").first()).toBeVisible();

  // The demo's mailbox page shows it too; Settings counts it as sent.
  const page = await (await fetch(`${E2E.emulatorUrl}/mailbox`)).text();
  expect(page).toContain("Reminder: Notices review is due");
  await admin.goto("/settings");
  await expect(admin.getByTestId("outbox-counts")).toContainText(/[1-9]\d* sent/);
});
