import { expect, test } from "@playwright/test";
import { ACCOUNTS, expectSignedInAs, signIn, signOut } from "./support";

const nav = (page: import("@playwright/test").Page) => page.getByRole("navigation", { name: "Main" }).first();

test("an anonymous visit to any protected page lands on sign-in", async ({ page }) => {
  for (const path of ["/", "/reviews", "/campaigns", "/directory", "/reports", "/settings", "/forbidden"]) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/signin/);
  }
  await expect(page.getByRole("heading", { name: "Sign in to Recert" })).toBeVisible();
});

test("the sign-in page explains a refused tenant", async ({ page }) => {
  await page.goto("/signin?error=WrongTenant");
  await expect(page.getByText("That account belongs to another Microsoft Entra tenant.")).toBeVisible();
});

test("admin signs in through Entra and sees every section", async ({ page }) => {
  await signIn(page, ACCOUNTS.admin);
  await expect(page).toHaveURL(/localhost:\d+\/$/);
  await expectSignedInAs(page, ACCOUNTS.admin, "Admin");
  await expect(nav(page).getByRole("link")).toHaveText([
    "Dashboard",
    "My reviews",
    "Campaigns",
    "Directory",
    "Guests",
    "Approvals",
    "Reports",
    "Audit log",
    "Settings",
  ]);
  await nav(page).getByRole("link", { name: "Settings" }).click();
  await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();
});

test("auditor sees evidence sections but not Settings, and is refused it by URL", async ({ page }) => {
  await signIn(page, ACCOUNTS.auditor);
  await expectSignedInAs(page, ACCOUNTS.auditor, "Auditor");
  await expect(nav(page).getByRole("link")).toHaveText([
    "Dashboard",
    "My reviews",
    "Campaigns",
    "Directory",
    "Guests",
    "Approvals",
    "Reports",
    "Audit log",
  ]);
  await page.goto("/settings");
  await expect(page.getByRole("heading", { name: "You do not have access to that page" })).toBeVisible();
});

test("a reviewer lands on My reviews and sees only that", async ({ page }) => {
  await signIn(page, ACCOUNTS.reviewer);
  await expect(page).toHaveURL(/\/reviews$/);
  await expectSignedInAs(page, ACCOUNTS.reviewer, "Reviewer");
  await expect(nav(page).getByRole("link")).toHaveText(["My reviews"]);
  await expect(page.getByRole("heading", { name: "Nothing to review" })).toBeVisible();
  for (const path of ["/campaigns", "/directory", "/guests", "/reports", "/audit", "/settings"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: "You do not have access to that page" })).toBeVisible();
  }
});

test("a wrong password shows Entra's error and does not sign in", async ({ page }) => {
  await signIn(page, ACCOUNTS.admin, "not-the-password");
  await expect(page.getByText("Your account or password is incorrect")).toBeVisible();
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
});

test("sign-out ends the session", async ({ page }) => {
  await signIn(page, ACCOUNTS.admin);
  await expectSignedInAs(page, ACCOUNTS.admin, "Admin");
  await signOut(page);
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/signin/);
});
