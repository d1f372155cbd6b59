import { expect, test } from "@playwright/test";
import { graphGet } from "./graph";
import { ACCOUNTS, signIn } from "./support";

interface Page<T> {
  value: T[];
  "@odata.nextLink"?: string;
}

test("the dashboard's headline figures match Graph, and a chart's figure opens the list of its users", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signIn(page, ACCOUNTS.admin);
  await page.goto("/settings");
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(page.getByTestId("sync-status")).toHaveText(/succeeded|partial/, { timeout: 60_000 });

  const users = (
    await graphGet<Page<{ id: string; accountEnabled: boolean }>>("/users?$select=id,accountEnabled&$top=999")
  ).value;
  const regs = new Map(
    (
      await graphGet<Page<{ id: string; isMfaRegistered: boolean }>>(
        "/reports/authenticationMethods/userRegistrationDetails?$top=999",
      )
    ).value.map((r) => [r.id, r]),
  );
  const enabled = users.filter((u) => u.accountEnabled);
  const registered = enabled.filter((u) => regs.get(u.id)?.isMfaRegistered).length;

  await page.goto("/");
  await expect(page.getByTestId("tile-enabled")).toHaveText(String(enabled.length));
  await expect(page.getByTestId("tile-registered")).toHaveText(
    `${Math.round((1000 * registered) / enabled.length) / 10}%`,
  );
  await expect(page.getByTestId("bucket-chart").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await page.getByRole("link", { name: /^Members without MFA \(\d+\)$/ }).click();
  await expect(page).toHaveURL(/segment=mfa%3Amember%3AnotRegistered|segment=mfa:member:notRegistered/);
  await expect(page.getByRole("heading", { name: "Members: not MFA registered" })).toBeVisible();
  const csv = await page.request.get(`/dashboard/users.csv?segment=${encodeURIComponent("mfa:all:notRegistered")}`);
  expect(csv.status()).toBe(200);
  expect((await csv.text()).trim().split("\r\n").length - 1).toBe(enabled.length - registered);
  // Break-glass exclusions are highlighted on the policy list.
  await page.goto("/");
  await expect(page.getByTestId("policies")).toContainText("Excluded:");
  await expect(page.getByTestId("policies")).toContainText("report-only (not counted)");

  // The admin sanctions an exclusion with a reason, then revokes the sanction.
  const policies = page.getByTestId("policies");
  const unsanctioned = await policies.getByRole("button", { name: "mark sanctioned" }).count();
  page.once("dialog", (d) => void d.accept("Break-glass account, sign-ins monitored"));
  await policies.getByRole("button", { name: "mark sanctioned" }).first().click();
  await expect(policies.getByRole("button", { name: "revoke sanction" })).toHaveCount(1);
  await expect(policies.getByRole("button", { name: "mark sanctioned" })).toHaveCount(unsanctioned - 1);
  page.once("dialog", (d) => void d.accept());
  await policies.getByRole("button", { name: "revoke sanction" }).click();
  await expect(policies.getByRole("button", { name: "revoke sanction" })).toHaveCount(0);
  await expect(policies.getByRole("button", { name: "mark sanctioned" })).toHaveCount(unsanctioned);
});
