import { spawnSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { graphGet, groupMembers } from "./graph";
import { ACCOUNTS, signIn } from "./support";

test("contractor access ends on its own: the admin sets an end date for a company, the scheduler runs with a moved clock, Entra loses the access and the audit log shows it", async ({
  page,
}) => {
  test.setTimeout(180_000);
  await signIn(page, ACCOUNTS.admin);
  await page.goto("/settings");
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(page.getByTestId("sync-status")).toHaveText(/succeeded|partial/, { timeout: 60_000 });

  // A partner company with guests in "Partner Collaboration", as Entra has it now.
  const members = await groupMembers("Partner Collaboration");
  const company = members.find((m) => m.userType === "Guest" && m.companyName)!.companyName!;
  const theirs = members.filter((m) => m.companyName === company);
  expect(theirs.length).toBeGreaterThan(0);

  await page.goto("/guests");
  await page.getByLabel("Company filter").selectOption(company);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/company=/);
  const total = Number((await page.getByTestId("guests-total").textContent())!.split(" ")[0]);
  expect(total).toBeGreaterThanOrEqual(theirs.length);

  await page.getByLabel("Whose access").selectOption("company");
  await page.getByLabel("Company", { exact: true }).selectOption(company);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel("End date", { exact: true }).fill(tomorrow);
  await page.getByLabel("Reason", { exact: true }).fill(`${company} contract ends`);
  await page.getByLabel("Also block sign-in").check();
  await page.getByRole("button", { name: "Set end date" }).click();
  await expect(page.getByRole("status")).toHaveText(
    `Access of ${total} ${total === 1 ? "person" : "people"} ends on ${tomorrow}.`,
  );
  await page.getByRole("link", { name: "Access ending" }).click();
  await expect(page.getByRole("link", { name: "Access ending" })).toHaveAttribute("aria-current", "page");
  const firstRow = page.getByTestId("guests").locator("tbody tr").first();
  await expect(firstRow).toContainText(company);
  // Preview: what the end date will remove, as of the last sync.
  await firstRow.getByRole("button", { name: "Preview" }).click();
  await expect(firstRow).toContainText(/Will remove: |Holds nothing to remove\./);

  // Today nothing happens; the day after tomorrow the scheduler removes the access.
  const run = (now: string) =>
    spawnSync("node_modules/.bin/tsx", ["scripts/scheduler.ts", "--now", now], {
      env: { ...(E2E.env as NodeJS.ProcessEnv), PATH: process.env.PATH },
      encoding: "utf8",
    });
  const early = run(new Date().toISOString());
  expect(early.status, early.stderr).toBe(0);
  expect(early.stdout).toContain("0 expired");
  expect((await groupMembers("Partner Collaboration")).filter((m) => m.companyName === company).length).toBe(
    theirs.length,
  );
  const later = run(new Date(Date.now() + 2 * 86_400_000).toISOString());
  expect(later.status, later.stdout + later.stderr).toBe(0);
  expect(later.stdout).toContain(`${total} expired`);
  expect((await groupMembers("Partner Collaboration")).filter((m) => m.companyName === company)).toEqual([]);
  const one = await graphGet<{ accountEnabled: boolean }>(`/users/${theirs[0]!.id}?$select=accountEnabled`);
  expect(one.accountEnabled).toBe(false);
  // Running again changes nothing.
  const again = run(new Date(Date.now() + 3 * 86_400_000).toISOString());
  expect(again.stdout).toContain("0 expired");

  await page.goto("/audit?action=expiry.execute");
  await expect(page.getByTestId("audit-total")).toHaveText(new RegExp(`^${total} events?`));
  await expect(page.getByTestId("audit").locator("tbody tr").first()).toContainText("Recert scheduler");
  await page.getByRole("link", { name: "Verify chain" }).click();
  await expect(page.getByTestId("chain-status")).toContainText("Chain intact");
});

test("the guest inventory and audit log are for admins and auditors; auditors cannot set end dates", async ({
  browser,
}) => {
  const auditor = await (await browser.newContext({ baseURL: E2E.appUrl })).newPage();
  await signIn(auditor, ACCOUNTS.auditor);
  await auditor.goto("/guests");
  await expect(auditor.getByTestId("guests")).toBeVisible();
  await expect(auditor.getByRole("button", { name: "Set end date" })).toHaveCount(0);
  const reviewer = await (await browser.newContext({ baseURL: E2E.appUrl })).newPage();
  await signIn(reviewer, ACCOUNTS.reviewer);
  await reviewer.goto("/guests");
  await expect(reviewer).toHaveURL(/\/forbidden$/);
  expect((await reviewer.request.get("/guests/guests.csv")).status()).toBe(403);
  expect((await reviewer.request.get("/audit/audit.csv")).status()).toBe(403);
});
