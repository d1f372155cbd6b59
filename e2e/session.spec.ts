/**
 * Sessions follow Entra (#16): an admin removed from Recert.Admin in Entra loses admin rights at the first sync
 * after it, whatever their open session says; sign-out ends the session on the server, so a copied cookie dies.
 */
import { spawnSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { actionIds, callAction } from "./authz";
import { graphCall, graphGet } from "./graph";
import { ACCOUNTS, signIn } from "./support";

test.describe.configure({ mode: "serial" });
const env = E2E.env as Record<string, string>;

function syncNow(): void {
  const r = spawnSync("node_modules/.bin/tsx", ["scripts/sync.ts", "--json", "--no-after"], {
    env: { ...(E2E.env as NodeJS.ProcessEnv), PATH: process.env.PATH },
    encoding: "utf8",
  });
  expect(r.status, r.stderr + r.stdout).toBe(0);
}

async function recert(): Promise<{ spId: string; adminRoleId: string; adminUserId: string }> {
  const sp = (
    await graphGet<{ value: { id: string; appRoles: { id: string; value: string }[] }[] }>(
      `/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${env.AUTH_MICROSOFT_ENTRA_ID_ID}'`)}`,
    )
  ).value[0]!;
  const admin = (
    await graphGet<{ value: { id: string }[] }>(
      `/users?$filter=${encodeURIComponent(`userPrincipalName eq '${ACCOUNTS.admin}'`)}&$select=id`,
    )
  ).value[0]!;
  return { spId: sp.id, adminRoleId: sp.appRoles.find((r) => r.value === "Recert.Admin")!.id, adminUserId: admin.id };
}

test("an admin removed from Recert.Admin in Entra is refused at the next admin action after a sync", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const ids = actionIds();
  const ctx = await browser.newContext({ baseURL: E2E.appUrl });
  const page = await ctx.newPage();
  await signIn(page, ACCOUNTS.admin);
  await page.waitForURL((u) => !u.pathname.startsWith("/signin"));
  syncNow();
  const before = await callAction(ctx.request, ids.testConnectionAction!, []);
  expect(before.value, before.raw).toMatchObject({ ok: true });

  const r = await recert();
  const assignments = await graphGet<{ value: { id: string; principalId: string; appRoleId: string }[] }>(
    `/servicePrincipals/${r.spId}/appRoleAssignedTo`,
  );
  const mine = assignments.value.find((a) => a.principalId === r.adminUserId && a.appRoleId === r.adminRoleId)!;
  expect((await graphCall("DELETE", `/servicePrincipals/${r.spId}/appRoleAssignedTo/${mine.id}`)).status).toBe(204);
  try {
    syncNow();
    // The same open session: the next admin action is refused, before any input is looked at.
    const after = await callAction(ctx.request, ids.testConnectionAction!, []);
    expect(after.value, after.raw).toMatchObject({ ok: false, error: "You do not have access to this." });
  } finally {
    const back = await graphCall("POST", `/servicePrincipals/${r.spId}/appRoleAssignedTo`, {
      principalId: r.adminUserId,
      resourceId: r.spId,
      appRoleId: r.adminRoleId,
    });
    expect(back.status).toBe(201);
    syncNow();
  }
  const restored = await callAction(ctx.request, ids.testConnectionAction!, []);
  expect(restored.value, restored.raw).toMatchObject({ ok: true });
  await ctx.close();
});

test("sign-out ends the session on the server: the cookie it had no longer works", async ({ browser }) => {
  const ctx = await browser.newContext({ baseURL: E2E.appUrl });
  const page = await ctx.newPage();
  await signIn(page, ACCOUNTS.auditor);
  await page.waitForURL((u) => !u.pathname.startsWith("/signin"));
  const cookies = await ctx.cookies();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((u) => u.pathname.startsWith("/signin"));
  // Someone who copied the cookie before sign-out replays it.
  const thief = await browser.newContext({ baseURL: E2E.appUrl });
  await thief.addCookies(cookies);
  const res = await thief.request.get("/audit/audit.csv", { maxRedirects: 0 });
  expect(res.status()).toBe(401);
  await thief.close();
  await ctx.close();
});
