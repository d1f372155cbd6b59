/**
 * Four eyes on bulk changes (#16): an expiry of more people than RECERT_APPROVAL_THRESHOLD (50) is not scheduled on
 * one admin's word. The requester sees it waiting and cannot approve it, even by calling the action directly; a
 * second admin (given Recert.Admin in Entra, seen by a sync) approves it in the browser, and both names are audited.
 */
import { spawnSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { actionIds, callAction, db } from "./authz";
import { graphCall, graphGet } from "./graph";
import { ACCOUNTS, signIn } from "./support";

test.describe.configure({ mode: "serial" });
const env = E2E.env as Record<string, string>;
const YEAR = 365 * 86_400_000;

function syncNow(): void {
  const r = spawnSync("node_modules/.bin/tsx", ["scripts/sync.ts", "--json", "--no-after"], {
    env: { ...(E2E.env as NodeJS.ProcessEnv), PATH: process.env.PATH },
    encoding: "utf8",
  });
  expect(r.status, r.stderr + r.stdout).toBe(0);
}

test("an expiry of 51 people waits for a second admin, who approves it in the browser; the requester cannot", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const ids = actionIds();
  const client = db();
  syncNow();
  const special = new Set<string>(Object.values(ACCOUNTS));
  const people = await client.dirUser.findMany({
    where: { accountEnabled: true, NOT: { userPrincipalName: { startsWith: "breakglass" } } },
    orderBy: { userPrincipalName: "asc" },
    select: { id: true, userPrincipalName: true, userType: true },
  });
  const candidates = people.filter((u) => !special.has(u.userPrincipalName!));
  const second = candidates.find((u) => u.userType === "Member")!;
  const targets = candidates.filter((u) => u.id !== second.id).slice(0, 51);
  expect(targets).toHaveLength(51);

  // The second admin: an employee given Recert.Admin in Entra (by the write app standing in for an Entra admin).
  const sp = (
    await graphGet<{ value: { id: string; appRoles: { id: string; value: string }[] }[] }>(
      `/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${env.AUTH_MICROSOFT_ENTRA_ID_ID}'`)}`,
    )
  ).value[0]!;
  const adminRole = sp.appRoles.find((r) => r.value === "Recert.Admin")!.id;
  const grant = await graphCall("POST", `/servicePrincipals/${sp.id}/appRoleAssignedTo`, {
    principalId: second.id,
    resourceId: sp.id,
    appRoleId: adminRole,
  });
  expect(grant.status).toBe(201);
  const grantId = (grant.json as { id: string }).id;
  syncNow();

  const first = await browser.newContext({ baseURL: E2E.appUrl });
  const other = await browser.newContext({ baseURL: E2E.appUrl });
  try {
    const page = await first.newPage();
    await signIn(page, ACCOUNTS.admin);
    await page.waitForURL((u) => !u.pathname.startsWith("/signin"));
    const scheduled = () =>
      client.accessExpiry.count({ where: { userId: { in: targets.map((t) => t.id) }, status: "scheduled" } });
    const before = await scheduled();
    const asked = await callAction(first.request, ids.setExpiryAction!, [
      {
        userIds: targets.map((t) => t.id),
        expiresAt: new Date(Date.now() + 4 * YEAR).toISOString(),
        reason: "Vendor contract ends",
        confirm: "EXPIRE MEMBERS",
      },
    ]);
    expect(asked.value, asked.raw).toMatchObject({ ok: true, scheduled: 0, awaitingApproval: { accounts: 51 } });
    const approvalId = (asked.value as { awaitingApproval: { approvalId: string } }).awaitingApproval.approvalId;
    expect(await scheduled()).toBe(before);

    // The requester sees it waiting, with no approve button, and a direct call is refused.
    await page.goto("/approvals");
    const waiting = page.getByTestId("approvals-pending-table");
    await expect(waiting).toContainText("End the access of 51 people (51 accounts)");
    await expect(waiting).toContainText("Another admin must decide your request.");
    await expect(waiting.getByRole("button", { name: "Approve and run" })).toHaveCount(0);
    const self = await callAction(first.request, ids.decideApprovalAction!, [
      { approvalId, decision: "approve", note: "" },
    ]);
    expect(self.value, self.raw).toMatchObject({
      ok: false,
      error: expect.stringContaining("another admin must approve"),
    });

    // The second admin approves in the browser.
    const page2 = await other.newPage();
    await signIn(page2, second.userPrincipalName!);
    await page2.waitForURL((u) => !u.pathname.startsWith("/signin"));
    await page2.goto("/approvals");
    const row = page2.getByTestId("approvals-pending-table").locator("tbody tr", { hasText: "Vendor contract ends" });
    await row.getByLabel("Note (required to reject)").fill("Checked against the vendor list");
    await row.getByRole("button", { name: "Approve and run" }).click();
    await expect(page2.getByText("Approved: access expiry scheduled for 51 people.")).toBeVisible({ timeout: 30_000 });
    await page2.reload();
    const decided = page2
      .getByTestId("approvals-decided-table")
      .locator("tbody tr", { hasText: "Vendor contract ends" });
    await expect(decided).toContainText("Approved");
    await expect(decided).toContainText("Checked against the vendor list");

    expect(await scheduled()).toBe(51);
    expect(await client.accessExpiry.count({ where: { createdById: second.id, status: "scheduled" } })).toBe(51);
    const audit = await client.auditEvent.findFirstOrThrow({
      where: { action: "approval.approve", targetId: approvalId },
    });
    expect(JSON.parse(audit.context!)).toMatchObject({
      requestedBy: { name: expect.any(String) },
      decidedBy: { id: second.id },
    });
    expect(JSON.parse(audit.context!).requestedBy.id).not.toBe(second.id);
  } finally {
    // Leave the tenant as it was: the expiries cancelled, the second admin's role removed.
    const open = await client.accessExpiry.findMany({
      where: { createdById: second.id, status: "scheduled" },
      select: { id: true },
    });
    for (const o of open) {
      const c = await callAction(first.request, ids.cancelExpiryAction!, [{ expiryId: o.id, reason: "test clean-up" }]);
      expect(c.value, c.raw).toMatchObject({ ok: true });
    }
    expect((await graphCall("DELETE", `/servicePrincipals/${sp.id}/appRoleAssignedTo/${grantId}`)).status).toBe(204);
    syncNow();
    await first.close();
    await other.close();
    await client.$disconnect();
  }
});
