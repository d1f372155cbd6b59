import { expect, test, type Browser, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { ACCOUNTS, signIn } from "./support";
import { groupMembers } from "./graph";

async function as(browser: Browser, upn: string): Promise<Page> {
  const ctx = await browser.newContext({ baseURL: E2E.appUrl });
  const page = await ctx.newPage();
  await signIn(page, upn);
  await expect(page.getByTestId("signed-in-user")).toBeVisible();
  return page;
}

async function entraMembers(groupName: string): Promise<string[]> {
  return (await groupMembers(groupName)).map((m) => m.displayName);
}

test("quarterly campaign: admin creates and starts it, a reviewer filters, bulk-approves and revokes one, the admin closes and applies, Entra loses the member", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const admin = await as(browser, ACCOUNTS.admin);
  await admin.goto("/settings");
  await admin.getByRole("button", { name: "Sync now" }).click();
  await expect(admin.getByTestId("sync-status")).toHaveText(/succeeded|partial/, { timeout: 60_000 });

  // Admin: a quarterly campaign from the preset, narrowed to one group the reviewer owns.
  await admin.goto("/campaigns");
  await admin.getByRole("link", { name: "New campaign" }).first().click();
  await expect(admin.getByLabel("Name", { exact: true })).toHaveValue(/Quarterly access review/);
  await admin.getByLabel("Name", { exact: true }).fill("Q4 partner access review");
  await admin.getByLabel("Scope").selectOption("groups");
  await admin.getByLabel("Groups", { exact: true }).selectOption({ label: "Partner Collaboration" });
  await expect(admin.getByLabel("Recurrence")).toHaveValue("quarterly");
  await admin.getByRole("button", { name: "Create draft" }).click();
  await expect(admin.getByTestId("campaign-status")).toHaveText("draft");
  await admin.getByRole("button", { name: "Start campaign" }).click();
  await expect(admin.getByTestId("campaign-status")).toHaveText("active");
  const campaignUrl = admin.url();
  const items = Number(await admin.getByTestId("stat-items").textContent());
  expect(items).toBeGreaterThan(2);

  // Reviewer: the inbox, the campaign, guests only, select all, approve.
  const reviewer = await as(browser, ACCOUNTS.reviewer);
  await reviewer.goto("/reviews");
  await reviewer.getByTestId("inbox").getByRole("link", { name: "Q4 partner access review" }).first().click();
  await expect(reviewer.getByTestId("progress-text")).toHaveText(new RegExp(`^0 of ${items} decided`));
  await reviewer.getByRole("navigation", { name: "Who" }).getByRole("link", { name: "Guests" }).click();
  await expect(reviewer.getByRole("navigation", { name: "Who" }).getByRole("link", { name: "Guests" })).toHaveAttribute(
    "aria-current",
    "page",
  );
  const guestRows = reviewer.getByTestId("review-items").locator("tbody tr");
  const guests = await guestRows.count();
  expect(guests).toBeGreaterThan(0);
  await expect(guestRows.first()).toContainText("Guest");
  await reviewer.getByLabel("Select all on this page").check();
  await expect(reviewer.getByTestId("selected-count")).toHaveText(`${guests} selected`);
  await reviewer.getByRole("button", { name: "Approve selected" }).click();
  await expect(reviewer.getByRole("status")).toHaveText(`${guests} items decided.`);
  await expect(reviewer.getByTestId("progress-text")).toHaveText(new RegExp(`^${guests} of ${items} decided`));

  // Members: revoke one, with the justification the preset requires.
  await reviewer.getByRole("navigation", { name: "Who" }).getByRole("link", { name: "Members" }).click();
  await expect(
    reviewer.getByRole("navigation", { name: "Who" }).getByRole("link", { name: "Members" }),
  ).toHaveAttribute("aria-current", "page");
  const row = reviewer.getByTestId("review-items").locator("tbody tr").first();
  const revokedName = (await row.getByTestId("principal-name").textContent())!.trim();
  await row.getByRole("button", { name: /^Revoke / }).click();
  await expect(reviewer.getByRole("dialog")).toContainText("This campaign requires a justification.");
  await reviewer.getByRole("button", { name: "Confirm revoke" }).click();
  await expect(reviewer.getByRole("dialog").getByRole("alert")).toHaveText(
    "A justification is required to revoke in this campaign.",
  );
  await reviewer.getByLabel("Justification").fill("Left the partner project in October.");
  await reviewer.getByRole("button", { name: "Confirm revoke" }).click();
  await expect(row.getByTestId("decision-cell")).toContainText("Revoke");
  await expect(row.getByTestId("decision-cell")).toContainText("Left the partner project in October.");
  expect(await entraMembers("Partner Collaboration")).toContain(revokedName);

  // Context for a decision (#18): the drawer shows the person, their peers, other access and the last review.
  await row.getByRole("button", { name: /^Context for / }).click();
  const drawer = reviewer.getByTestId("item-context");
  await expect(drawer).toContainText("Department");
  await expect(drawer.getByTestId("peers-department")).toHaveText(/\d+ of \d+ hold this access|Not known/);
  await expect(drawer.getByTestId("previous-decision")).toHaveText(
    /New since the last review|: (approve|revoke|dontknow|no decision)/,
  );
  await drawer.getByRole("button", { name: "Close" }).click();
  await expect(drawer).toHaveCount(0);

  // Delegation (#18): the reviewer hands another member's item to a colleague, with a reason; it leaves their list.
  const handed = reviewer.getByTestId("review-items").locator("tbody tr").nth(1);
  await handed.getByRole("checkbox").check();
  await reviewer.getByRole("button", { name: "Hand selected to a colleague…" }).click();
  await reviewer.getByLabel("Colleague (sign-in name)").fill(ACCOUNTS.admin);
  await reviewer.getByLabel("Reason").fill("Knows this project better than I do");
  await reviewer.getByRole("button", { name: "Hand over" }).click();
  await expect(reviewer.getByRole("status")).toHaveText(/^1 item handed to .+\.$/);
  await expect(reviewer.getByTestId("progress-text")).toHaveText(new RegExp(`^${guests + 1} of ${items - 1} decided`));

  // Admin: close (auto-apply is on in the preset): Entra no longer has the member; a re-sync agrees.
  await admin.goto(campaignUrl);
  await expect(admin.getByTestId("stat-decided")).toContainText(`${guests + 1}`);
  await admin.getByRole("button", { name: "Close campaign" }).click();
  await expect(admin.getByRole("status")).toContainText("1 removed in Entra, 0 failed", { timeout: 30_000 });
  await expect(admin.getByTestId("campaign-status")).toHaveText("applied");
  await expect(admin.getByTestId("stat-removed")).toHaveText("1");
  expect(await entraMembers("Partner Collaboration")).not.toContain(revokedName);
  await admin.goto("/settings");
  await admin.getByRole("button", { name: "Sync now" }).click();
  await expect(admin.getByTestId("sync-status")).toHaveText(/succeeded|partial/, { timeout: 60_000 });

  // The reviewer can no longer change anything.
  await reviewer.reload();
  await expect(reviewer.getByText("decisions can no longer change")).toBeVisible();
  await expect(reviewer.getByRole("button", { name: "Approve selected" })).toHaveCount(0);
});

test("an auditor sees campaigns but cannot create one; a reviewer cannot open campaigns or someone else's review", async ({
  browser,
}) => {
  const auditor = await as(browser, ACCOUNTS.auditor);
  await auditor.goto("/campaigns");
  await expect(auditor.getByRole("link", { name: "New campaign" })).toHaveCount(0);
  await auditor.goto("/campaigns/new");
  await expect(auditor).toHaveURL(/\/forbidden$/);
  const reviewer = await as(browser, ACCOUNTS.reviewer);
  await reviewer.goto("/campaigns");
  await expect(reviewer).toHaveURL(/\/forbidden$/);
  const res = await reviewer.goto("/reviews/00000000-0000-4000-8000-000000000000");
  expect(res?.status()).toBe(404);
});

test("an auditor downloads the signed report of the closed campaign and the verify page agrees; one changed byte makes it invalid", async ({
  browser,
}) => {
  const auditor = await as(browser, ACCOUNTS.auditor);
  await auditor.goto("/reports");
  const row = auditor.getByTestId("reports").locator("tbody tr", { hasText: "Q4 partner access review" });
  const [download] = await Promise.all([
    auditor.waitForEvent("download"),
    row.getByRole("link", { name: "PDF (signed)" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^recert-[0-9a-f-]{36}-report\.pdf$/);
  const { readFileSync } = await import("node:fs");
  const pdf = readFileSync((await download.path())!);
  expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
  // Made once, when the campaign closed (and again when it was applied): every download is the same bytes (#17).
  const again = Buffer.from(await (await auditor.request.get(download.url())).body());
  expect(again.equals(pdf)).toBe(true);

  const anon = await (await browser.newContext({ baseURL: E2E.appUrl })).newPage();
  await anon.goto("/verify");
  await anon
    .getByLabel("Report (PDF, CSV or JSON)")
    .setInputFiles({ name: "report.pdf", mimeType: "application/pdf", buffer: pdf });
  await anon.getByRole("button", { name: "Verify" }).click();
  await expect(anon.getByTestId("verdict")).toHaveText("Valid");
  await expect(anon.getByText("(this installation's certificate)")).toBeVisible();

  const tampered = Buffer.from(pdf);
  const at = tampered.indexOf("stream\n") + 25;
  tampered[at] = tampered[at]! ^ 0x04;
  await anon
    .getByLabel("Report (PDF, CSV or JSON)")
    .setInputFiles({ name: "report.pdf", mimeType: "application/pdf", buffer: tampered });
  await anon.getByRole("button", { name: "Verify" }).click();
  await expect(anon.getByTestId("verdict")).toHaveText("Invalid");
  await expect(anon.getByText("Digest mismatch: the file was changed after it was signed.")).toBeVisible();

  // Reports are for admins and auditors only; the certificate is public.
  expect((await anon.request.get(download.url())).status()).toBe(401);
  const reviewer = await as(browser, ACCOUNTS.reviewer);
  expect((await reviewer.request.get(download.url())).status()).toBe(403);
  const cert = await anon.request.get("/api/report-certificate");
  expect(cert.status()).toBe(200);
  expect(await cert.text()).toContain("BEGIN CERTIFICATE");

  // The evidence package (#17): one ZIP from the Reports page, checked offline against the published certificate.
  const [zipDownload] = await Promise.all([
    auditor.waitForEvent("download"),
    row.getByRole("link", { name: "Evidence package (ZIP)" }).click(),
  ]);
  expect(zipDownload.suggestedFilename()).toMatch(/^recert-[0-9a-f-]{36}-evidence\.zip$/);
  const zip = readFileSync((await zipDownload.path())!);
  const { X509Certificate, createHash } = await import("node:crypto");
  const published = createHash("sha256")
    .update(new X509Certificate(await cert.text()).raw)
    .digest("hex");
  // Offline, as an auditor would: npm run verify on the downloaded file, trusting the published certificate only.
  const { spawnSync } = await import("node:child_process");
  const cli = spawnSync(
    process.execPath,
    ["node_modules/tsx/dist/cli.mjs", "scripts/verify.ts", (await zipDownload.path())!, "--fingerprint", published],
    { encoding: "utf8" },
  );
  expect([cli.status, cli.stdout]).toEqual([0, expect.stringContaining("VALID: The evidence package is intact")]);
  expect(cli.stdout).not.toContain("FAIL");
  // …and on the public verify page, with every check listed.
  await anon.goto("/verify");
  await anon
    .getByLabel("Report (PDF, CSV or JSON)")
    .setInputFiles({ name: "evidence.zip", mimeType: "application/zip", buffer: zip });
  await anon.getByRole("button", { name: "Verify" }).click();
  await expect(anon.getByTestId("verdict")).toHaveText("Valid");
  await expect(anon.getByTestId("package-checks")).toContainText("frozen files in the chain");
  expect((await reviewer.request.get(zipDownload.url())).status()).toBe(403);
  expect((await anon.request.get(zipDownload.url())).status()).toBe(401);
});

test("a GRC tool pulls the evidence through the API with an Entra token; without one it gets 401, without the role 403", async ({
  request,
}) => {
  const env = E2E.env as Record<string, string>;
  const tokenFor = async (clientId: string, secret: string) => {
    const r = await fetch(`${E2E.emulatorUrl}/${env.ENTRA_TENANT_ID}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: secret,
        scope: `api://${env.AUTH_MICROSOFT_ENTRA_ID_ID}/.default`,
      }),
    });
    return ((await r.json()) as { access_token: string }).access_token;
  };
  const none = await request.get("/api/v1/campaigns");
  expect(none.status()).toBe(401);
  expect(none.headers()["www-authenticate"]).toContain('Bearer error="invalid_request"');
  const noRole = await request.get("/api/v1/campaigns", {
    headers: {
      authorization: `Bearer ${await tokenFor(env.AUTH_MICROSOFT_ENTRA_ID_ID!, env.AUTH_MICROSOFT_ENTRA_ID_SECRET!)}`,
    },
  });
  expect(noRole.status()).toBe(403);
  const grc = {
    authorization: `Bearer ${await tokenFor("9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a", "grc-demo-client-secret")}`,
  };
  // Tokens Entra signs but the API must refuse (#17): a person's delegated token, and an app-shaped token whose
  // object id is no service principal of this tenant. Signed with the tenant's real key.
  const signed = async (claims: Record<string, unknown>) => {
    const r = await fetch(`${E2E.emulatorUrl}/_emulator/sign`, {
      method: "POST",
      headers: { "x-emulator-admin-key": env.EMULATOR_ADMIN_KEY!, "content-type": "application/json" },
      body: JSON.stringify({ claims }),
    });
    return ((await r.json()) as { token: string }).token;
  };
  const now = Math.floor(Date.now() / 1000);
  const appShaped = {
    iss: `https://sts.windows.net/${env.ENTRA_TENANT_ID}/`,
    aud: `api://${env.AUTH_MICROSOFT_ENTRA_ID_ID}`,
    appid: "9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a",
    tid: env.ENTRA_TENANT_ID,
    roles: ["Recert.Auditor"],
    ver: "1.0",
    iat: now,
    nbf: now,
    exp: now + 600,
  };
  const stranger = "0badc0de-0000-4000-8000-000000000001";
  for (const [claims, why] of [
    [{ ...appShaped, oid: stranger, sub: stranger }, /not a service principal of this tenant/],
    [{ ...appShaped, oid: stranger, sub: "pairwise", scp: "user_impersonation" }, /not a person's delegated token/],
  ] as const) {
    const r = await request.get("/api/v1/campaigns", { headers: { authorization: `Bearer ${await signed(claims)}` } });
    expect(r.status()).toBe(401);
    expect(((await r.json()) as { error_description: string }).error_description).toMatch(why);
  }
  const list = await request.get("/api/v1/campaigns", { headers: grc });
  expect(list.status()).toBe(200);
  const campaign = (
    (await list.json()) as { campaigns: { id: string; name: string; status: string; reports: { json: string } }[] }
  ).campaigns.find((c) => c.name === "Q4 partner access review")!;
  expect(campaign.status).toBe("applied");
  const json = await request.get(`/api/v1/campaigns/${campaign.id}/report.json`, { headers: grc });
  expect(json.status()).toBe(200);
  const pkg = await request.get(`/api/v1/campaigns/${campaign.id}/evidence.zip`, { headers: grc });
  expect([pkg.status(), pkg.headers()["content-type"]]).toEqual([200, "application/zip"]);
  expect(pkg.headers()["content-disposition"]).toContain(`recert-${campaign.id}-evidence.zip`);
  expect((await request.get(`/api/v1/campaigns/${campaign.id}/evidence.zip`)).status()).toBe(401);
  expect(((await json.json()) as { campaign: { campaignId: string } }).campaign.campaignId).toBe(campaign.id);
  const audit = await request.get("/api/v1/audit?limit=5", { headers: grc });
  expect(((await audit.json()) as { events: { seq: number }[] }).events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  const spec = await request.get("/api/v1/openapi.json");
  expect(((await spec.json()) as { openapi: string }).openapi).toBe("3.1.0");
});
