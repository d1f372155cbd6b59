/**
 * Accessibility and the phone (#18, item 7). Every page each persona can open passes axe-core's WCAG 2.0/2.1 A and AA
 * rules with no serious or critical violation; the review page works with the keyboard alone (move, select, decide,
 * the justification dialog); and at 390 px wide the review page's decisions are reachable without a horizontal scroll.
 * Runs after the journeys (zz-), on a campaign of its own.
 */
import { spawnSync } from "node:child_process";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { actionIds, callAction, db } from "./authz";
import { ACCOUNTS, signIn } from "./support";

test.describe.configure({ mode: "serial" });
let campaignId = "";

async function as(browser: Browser, upn: string, width = 1280): Promise<Page> {
  const ctx = await browser.newContext({ baseURL: E2E.appUrl, viewport: { width, height: width < 600 ? 844 : 900 } });
  const page = await ctx.newPage();
  await signIn(page, upn);
  await expect(page.getByTestId("signed-in-user")).toBeVisible();
  return page;
}

/** Serious and critical WCAG 2.1 A/AA violations on the page as it is now, one line each. */
async function violations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 3)
          .join(" | ")}`,
    );
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  // A fresh sync, so this file also runs on its own (npx playwright test e2e/zz-accessibility.spec.ts).
  const sync = spawnSync("node_modules/.bin/tsx", ["scripts/sync.ts", "--json", "--no-after"], {
    env: { ...(E2E.env as NodeJS.ProcessEnv), PATH: process.env.PATH },
    encoding: "utf8",
  });
  expect(sync.status, sync.stderr + sync.stdout).toBe(0);
  const ids = actionIds();
  const admin = await as(browser, ACCOUNTS.admin);
  const client = db();
  const group = await client.dirGroup.findFirstOrThrow({ where: { displayName: "Engineering - Platform" } });
  const created = await callAction(admin.request, ids.createCampaignAction!, [
    {
      name: "Accessibility review",
      description: "zz-accessibility",
      scope: { kind: "groups", groupIds: [group.id] },
      population: { who: "all", inactiveDays: 90 },
      stages: [
        { reviewers: "owners", chosenUpns: [], fallbackUpns: [ACCOUNTS.admin], durationDays: 14, advance: ["approve"] },
      ],
      startAt: new Date().toISOString(),
      recurrence: "one_off",
      justification: { onApprove: false, onRevoke: true },
      noResponse: "none",
      autoApply: false,
      reminderDaysBefore: 3,
      inactiveDays: 30,
      maxSyncAgeHours: 720,
    },
  ]);
  expect(created.value, created.raw).toMatchObject({ ok: true });
  campaignId = (created.value as { campaignId: string }).campaignId;
  const started = await callAction(admin.request, ids.startCampaignAction!, [campaignId]);
  expect(started.value, started.raw).toMatchObject({ ok: true });
  await admin.context().close();
});

const PAGES: Record<keyof typeof ACCOUNTS, () => string[]> = {
  admin: () => [
    "/",
    "/campaigns",
    "/campaigns/new",
    `/campaigns/${campaignId}`,
    "/directory",
    "/guests",
    "/approvals",
    "/reports",
    "/audit",
    "/settings",
    "/verify",
  ],
  auditor: () => ["/", "/campaigns", "/reports", "/audit", "/directory"],
  reviewer: () => ["/reviews", `/reviews/${campaignId}`],
};

for (const who of Object.keys(PAGES) as (keyof typeof ACCOUNTS)[]) {
  test(`every page ${who} opens passes WCAG 2.1 AA checks (no serious or critical violation)`, async ({ browser }) => {
    test.setTimeout(180_000);
    const page = await as(browser, ACCOUNTS[who]);
    const found: string[] = [];
    for (const path of PAGES[who]()) {
      await page.goto(path);
      await page.waitForLoadState("networkidle");
      for (const v of await violations(page)) found.push(`${path}: ${v}`);
    }
    expect(found).toEqual([]);
  });
}

test("the review page works with the keyboard alone, and its dialogs pass the checks too", async ({ browser }) => {
  const page = await as(browser, ACCOUNTS.reviewer);
  await page.goto(`/reviews/${campaignId}?state=undecided`);
  const rows = page.getByTestId("review-items").locator("tbody tr");
  const before = await rows.count();
  expect(before).toBeGreaterThan(1);
  await page.locator("body").press("j"); // the second row
  await page.locator("body").press("x"); // select it
  await expect(page.getByTestId("selected-count")).toHaveText("1 selected");
  await page.locator("body").press("r"); // revoke: the justification dialog, focus in its field
  await expect(page.getByRole("dialog")).toBeVisible();
  expect(await violations(page)).toEqual([]);
  await page.keyboard.type("No longer on the platform team");
  await page.keyboard.press("Tab"); // Cancel
  await page.keyboard.press("Tab"); // Confirm revoke
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toHaveText("1 item decided.");
  await expect(rows).toHaveCount(before - 1); // the list has refreshed: the decided item left the "not decided" view
  // No selection: "a" approves the row under the cursor.
  await page.locator("body").press("a");
  await expect(page.getByRole("status")).toHaveText("1 item decided.");
  await expect(rows).toHaveCount(before - 2);
});

test("at 390 px wide the review page keeps its decisions on screen: no horizontal scroll, buttons reachable", async ({
  browser,
}) => {
  const page = await as(browser, ACCOUNTS.reviewer, 390);
  await page.goto(`/reviews/${campaignId}`);
  await page.waitForLoadState("networkidle");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  const approve = page
    .getByTestId("review-items")
    .getByRole("button", { name: /^Approve / })
    .first();
  await approve.scrollIntoViewIfNeeded();
  await expect(approve).toBeInViewport({ ratio: 1 }); // whole, once scrolled to: nothing hides it sideways
  const box = (await approve.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await page.screenshot({ path: "test-results/review-390.png" }); // what a phone shows around the first card
  await approve.click(); // the list refreshes after a decision: the button is a new element afterwards
  await expect(page.getByRole("status")).toHaveText("1 item decided.");
  expect(await violations(page)).toEqual([]);
});

test("at 390 px no page of any role scrolls sideways (wide tables scroll inside their own focusable region), and each passes the same WCAG checks", async ({
  browser,
}) => {
  // Every page of every role, each with axe: 2.2-2.7 min when both engines' suites share two cores, and one run went
  // past 3 min waiting for a sign-in. Five minutes, as for the other whole-site sweeps.
  test.setTimeout(300_000);
  const wide: string[] = [];
  for (const who of Object.keys(PAGES) as (keyof typeof ACCOUNTS)[]) {
    const page = await as(browser, ACCOUNTS[who], 390);
    for (const path of PAGES[who]()) {
      await page.goto(path);
      await page.waitForLoadState("networkidle");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 1) wide.push(`${who} ${path}: ${overflow}px`);
      for (const v of await violations(page)) wide.push(`${who} ${path} at 390 px: ${v}`);
    }
    await page.context().close();
  }
  expect(wide).toEqual([]);
});
