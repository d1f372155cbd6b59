import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { db } from "./authz";
import { ACCOUNTS, signIn, signOut } from "./support";

test("an admin tests both connections and sees them healthy; no secret or private key reaches the page", async ({
  page,
}) => {
  await signIn(page, ACCOUNTS.admin);
  await page.goto("/settings");
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByTestId("connection-status")).toHaveText("Healthy", { timeout: 30_000 });
  await expect(page.getByTestId("write-connection-status")).toHaveText("Healthy");
  // Over https (the PostgreSQL run) no http allowance is in play: the authority and Graph are https URLs.
  const scheme = new RegExp(`^${E2E.https ? "https" : "http"}://`);
  await expect(page.getByTestId("connection-sign-in-authority")).toHaveText(scheme);
  await expect(page.getByTestId("connection-microsoft-graph")).toHaveText(scheme);
  await page.reload();
  await expect(page.getByTestId("connection-status")).toHaveText("Healthy");
  // The write app is its own registration, authenticated by a certificate (its thumbprint, never its key).
  await expect(page.getByTestId("connection-write-client-id")).toHaveText(E2E.env.GRAPH_WRITE_CLIENT_ID!);
  await expect(page.getByTestId("connection-write-certificate")).toContainText(/^certificate [0-9A-F]{40} /);
  const html = await page.content();
  expect(html).not.toContain("recert-demo-client-secret");
  expect(html).not.toContain("PRIVATE KEY");
});

test("an admin saves a connection: a wrong secret needs attention, the right one is healthy; Disconnect stops syncs until reconnected", async ({
  page,
}) => {
  await signIn(page, ACCOUNTS.admin);
  await page.goto("/settings");
  const form = page.getByRole("form", { name: "Connection credentials" });
  await form.getByLabel("Client id").fill("4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d");
  await form.getByLabel("Client secret").fill("not-the-secret");
  await form.getByRole("button", { name: "Save and check" }).click();
  await expect(page.getByTestId("connection-status")).toHaveText("Needs attention", { timeout: 30_000 });
  await expect(page.getByTestId("connection-problems")).toContainText("The client secret is wrong");
  await expect(page.getByTestId("connection-problems")).toContainText("scheduled syncs paused");
  await expect(page.getByTestId("connection-credentials-from")).toContainText("Saved in Settings");
  await expect(page.getByTestId("connection-client-secret")).toHaveText("••••cret");

  await form.getByLabel("Client secret").fill("recert-demo-client-secret");
  await form.getByRole("button", { name: "Save and check" }).click();
  await expect(page.getByTestId("connection-status")).toHaveText("Healthy", { timeout: 30_000 });
  await page.reload();
  await expect(page.getByTestId("connection-client-secret")).toHaveText("••••cret");
  expect(await page.content()).not.toContain("recert-demo-client-secret");

  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Disconnect" }).click();
  await expect(page.getByTestId("connection-status")).toHaveText("Disconnected");
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Disconnected" })).toBeVisible();
  await page.getByRole("button", { name: /Reconnect with the sign-in app/ }).click();
  await expect(page.getByTestId("connection-status")).toHaveText("Healthy", { timeout: 30_000 });
  await expect(page.getByTestId("connection-credentials-from")).toContainText("sign-in app");
});

test("an admin syncs the tenant from Settings and sees the run in the history", async ({ page }) => {
  await signIn(page, ACCOUNTS.admin);
  await page.goto("/settings");
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(page.getByTestId("sync-status")).toHaveText(/succeeded|partial/, { timeout: 60_000 });
  const history = page.getByTestId("sync-history");
  await expect(history.locator("tbody tr").first()).toContainText("manual");
  await expect(history.locator("tbody tr").first()).toContainText("300");
  // A reload shows the same finished run: progress lives in the database, not the page.
  await page.reload();
  await expect(page.getByTestId("sync-status")).toHaveText(/succeeded|partial/);
});

test("sync status is for admins only", async ({ page, request }) => {
  expect((await request.get("/api/sync/status")).status()).toBe(401);
  await signIn(page, ACCOUNTS.reviewer);
  await expect(page).toHaveURL(/\/reviews$/);
  expect((await page.request.get("/api/sync/status")).status()).toBe(403);
});

test("after a sync, the directory lists, filters and searches users on the server", async ({ page }) => {
  await signIn(page, ACCOUNTS.auditor);
  await page.goto("/directory");
  await expect(page.getByTestId("users-total")).toContainText("300 users");
  const filters = page.getByRole("navigation", { name: "Filters" });
  await filters.getByRole("link", { name: "Guests" }).click();
  await expect(filters.getByRole("link", { name: "Guests" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("users-total")).toContainText("30 users");
  await expect(page.getByTestId("users-table").locator("tbody tr").first()).toContainText("Guest");
  await page.getByRole("link", { name: "All" }).click();
  // Search only once the "All" navigation has landed, or the search goes out with the guest filter still set.
  await expect(filters.getByRole("link", { name: "All" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("users-total")).toContainText("300 users");
  await page.getByRole("searchbox", { name: "Search users" }).fill("reviewer@");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("users-total")).toContainText("1 user ");
  await expect(page.getByTestId("users-table")).toContainText("Megan Bowen");
});

test("the filtered list exports as CSV for auditors, and reviewers are refused", async ({ page }) => {
  await signIn(page, ACCOUNTS.auditor);
  await expect(page.getByTestId("signed-in-user")).toBeVisible();
  const res = await page.request.get("/directory/users.csv?filter=guests");
  expect(res.status()).toBe(200);
  expect(res.headers()["content-disposition"]).toContain("recert-users-guests");
  const lines = (await res.text()).trim().split("\r\n");
  expect(lines[0]).toContain("userPrincipalName");
  expect(lines).toHaveLength(31);
  expect(lines.slice(1).every((l) => l.includes("Guest"))).toBe(true);
  const groups = (await (await page.request.get("/directory/groups.csv?filter=ownerless")).text()).trim().split("\r\n");
  expect(groups[0]).toContain("displayName,kind");
  expect(groups.length).toBeGreaterThan(1);
  expect(groups.slice(1).every((l) => l.endsWith(",0"))).toBe(true); // owners column
  const apps = (await (await page.request.get("/directory/apps.csv")).text()).trim().split("\r\n");
  expect(apps[0]).toContain("assignmentRequired");
  expect(apps.length).toBeGreaterThan(2);
  await signOut(page);
  await signIn(page, ACCOUNTS.reviewer);
  await expect(page).toHaveURL(/\/reviews$/);
  for (const csv of ["/directory/users.csv", "/directory/groups.csv", "/directory/apps.csv"])
    expect((await page.request.get(csv)).status(), csv).toBe(403);
});

test("groups list with member counts, and the ownerless filter finds the orphaned group", async ({ page }) => {
  await signIn(page, ACCOUNTS.admin);
  await page.goto("/directory/groups");
  await expect(page.getByTestId("groups-total")).toContainText("36 groups");
  await page.getByRole("link", { name: "Ownerless" }).click();
  // The filtered page has arrived when its own link is marked current (the list before it has the same group).
  await expect(page.getByRole("link", { name: "Ownerless" })).toHaveAttribute("aria-current", "page");
  const table = page.getByTestId("groups-table");
  await expect(table).toContainText("Legacy File Share Access");
  const rows = table.locator("tbody tr");
  const n = await rows.count();
  expect(n).toBeGreaterThan(0);
  expect(n).toBeLessThan(36);
  for (let i = 0; i < n; i++) await expect(rows.nth(i)).toContainText("Ownerless");
});

test("an auditor follows a privileged user to their detail page, on to a group, and lists the apps", async ({
  page,
}) => {
  await signIn(page, ACCOUNTS.auditor);
  await page.goto("/directory?filter=privileged");
  await expect(page.getByRole("link", { name: "Privileged" })).toHaveAttribute("aria-current", "page");
  const first = page.getByTestId("users-table").locator("tbody tr").first();
  await expect(first).not.toContainText("–", { timeout: 10_000 }); // MFA and roles columns are filled
  await first.getByRole("link").first().click();
  await expect(page).toHaveURL(/\/directory\/users\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("user-roles")).not.toContainText("No directory role.");
  await expect(page.getByTestId("user-sign-in")).toContainText("Last successful sign-in");
  const group = page.getByTestId("user-groups").getByRole("link").first();
  if (await group.count()) {
    await group.click();
    await expect(page).toHaveURL(/\/directory\/groups\/[0-9a-f-]{36}/);
    await expect(page.getByTestId("group-members")).toBeVisible();
  }
  await page.goto("/directory/apps");
  await expect(page.getByTestId("apps-total")).toContainText(/\d+ apps?/);
  await page.getByRole("link", { name: "With assignments" }).click();
  await expect(page.getByRole("link", { name: "With assignments" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("apps-table").locator("tbody tr").first()).toBeVisible();
  // Reviewers cannot read the directory.
  await signOut(page);
  await signIn(page, ACCOUNTS.reviewer);
  await expect(page).toHaveURL(/\/reviews$/);
  const res = await page.request.get("/directory/apps");
  expect(res.url()).toMatch(/\/forbidden$/);
});

test("an admin names a group PIM governs in Settings: a bad id is refused with nothing saved, a synced group is saved and listed", async ({
  page,
}) => {
  const client = db();
  const g = await client.dirGroup.findFirstOrThrow({
    where: { kind: "security", isAssignableToRole: false, isDynamic: false, onPremisesSyncEnabled: false },
    orderBy: { displayName: "asc" },
  });
  try {
    await signIn(page, ACCOUNTS.admin);
    await page.goto("/settings");
    const panel = page.getByTestId("governed-groups");
    const box = panel.getByRole("textbox", { name: "Group object ids" });
    await box.fill(`${g.id}\nnot-a-group`);
    await panel.getByRole("button", { name: "Save groups" }).click();
    await expect(panel.getByRole("alert")).toContainText("not-a-group");
    await expect(panel.getByRole("alert")).toContainText("Nothing was saved.");
    expect(await client.appSetting.count({ where: { key: "pimGroups.governed" } })).toBe(0);
    await box.fill(g.id);
    await panel.getByRole("button", { name: "Save groups" }).click();
    await expect(panel.getByRole("status")).toContainText("Saved 1 group(s). The next sync reads them.");
    await expect(panel.getByTestId("governed-groups-list")).toContainText(g.displayName ?? g.id);
    await panel.screenshot({ path: "test-results/governed-groups-desktop.png" });
    await page.setViewportSize({ width: 390, height: 844 });
    await panel.screenshot({ path: "test-results/governed-groups-390.png" });
  } finally {
    await client.appSetting.deleteMany({ where: { key: "pimGroups.governed" } });
    await client.$disconnect();
  }
});
