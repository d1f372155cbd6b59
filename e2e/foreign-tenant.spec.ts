/**
 * A user of another organisation cannot sign in (#16). The emulator hosts a second tenant in the same cloud, with the
 * same signing keys (as Entra's tenants share them) and Recert's client id registered there too, as a multi-tenant
 * registration would be. Its user is refused on this tenant's page, and going round it through their own tenant's
 * sign-in page ends without a session.
 */
import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { PASSWORD } from "./support";

const env = E2E.env as Record<string, string>;

async function otherTenant(): Promise<{ id: string; domain: string }> {
  const res = await fetch(`${E2E.emulatorUrl}/_emulator/accounts`, {
    headers: { "x-emulator-admin-key": env.EMULATOR_ADMIN_KEY! },
  });
  return ((await res.json()) as { otherTenant: { id: string; domain: string } }).otherTenant;
}

async function notSignedIn(page: import("@playwright/test").Page) {
  const session = await page.request.get("/api/auth/session");
  expect(await session.json()).toBeNull();
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
}

test("a user of another tenant is refused on this tenant's sign-in page", async ({ page }) => {
  const other = await otherTenant();
  await page.goto("/signin");
  await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await page.locator('input[name="loginfmt"]').fill(`admin@${other.domain}`);
  await page.locator('input[name="passwd"]').fill(PASSWORD);
  await page.locator('input[type="submit"], button[type="submit"]').first().click();
  await expect(page.getByText(/AADSTS50020/)).toBeVisible();
  await notSignedIn(page);
});

test("going round it through their own tenant's sign-in page gets no session either", async ({ page }) => {
  const other = await otherTenant();
  await page.goto("/signin");
  await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await page.waitForURL((u) => u.pathname.endsWith("/oauth2/v2.0/authorize"));
  // The same request (Recert's client id, redirect URI, state and PKCE), sent to the other tenant instead.
  const url = new URL(page.url());
  url.pathname = url.pathname.replace(`/${env.ENTRA_TENANT_ID}/`, `/${other.id}/`);
  expect(url.pathname).toContain(other.id);
  await page.goto(url.toString());
  await page.locator('input[name="loginfmt"]').fill(`admin@${other.domain}`);
  await page.locator('input[name="passwd"]').fill(PASSWORD);
  await page.locator('input[type="submit"], button[type="submit"]').first().click();
  // Back at Recert's callback with the other tenant's code: the exchange at this tenant fails, nothing is signed in.
  await page.waitForURL((u) => u.origin === new URL(E2E.appUrl).origin && u.pathname.startsWith("/signin"));
  // Auth.js names the failed exchange OAuthCallbackError or Configuration depending on the path it took (https or the
  // emulator's http allowance); the sign-in page shows its sentence for either, as an alert.
  await expect(page.locator("p[role=alert]")).toContainText(
    /Microsoft Entra did not complete the sign-in|Sign-in is not configured correctly|Sign-in failed/,
  );
  await notSignedIn(page);
});
