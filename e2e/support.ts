import { expect, type Page } from "@playwright/test";

/** The bearer token of GET /api/metrics in the journeys (playwright.config.ts sets it; e2e/health.spec.ts uses it). */
export const E2E_METRICS_TOKEN = "e2e-metrics-token-0123456789abcdef0123456789";

export const PASSWORD = process.env.EMULATOR_PASSWORD ?? "recert-demo";
export const ACCOUNTS = {
  admin: "admin@contoso.onmicrosoft.com",
  auditor: "auditor@contoso.onmicrosoft.com",
  reviewer: "reviewer@contoso.onmicrosoft.com",
} as const;

/** Signs in through the app's button and the emulator's Entra-style page, as a person would. */
export async function signIn(page: Page, upn: string, password = PASSWORD): Promise<void> {
  await page.goto("/signin");
  await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await page.locator('input[name="loginfmt"]').fill(upn);
  await page.locator('input[name="passwd"]').fill(password);
  await page.locator('input[type="submit"], button[type="submit"]').first().click();
}

/** Signs out and waits until the app says so (a navigation started before that would still carry the session). */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByText("You are signed out.")).toBeVisible();
}

export async function expectSignedInAs(page: Page, upn: string, roleLabel: string): Promise<void> {
  await expect(page.getByTestId("signed-in-user")).toContainText(upn);
  await expect(page.getByTestId("signed-in-role")).toHaveText(roleLabel);
}
