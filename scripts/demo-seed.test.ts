/**
 * The demo opens on work (#18, item 9): after the seed, reviewer@ has items due in an active campaign (My reviews is not
 * empty), auditor@ finds a closed and applied campaign whose revocations reached Entra and whose signed evidence
 * (reports and package) verifies, and a second run seeds nothing. Real emulator, real database, the write app.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildEvidencePackage } from "@/lib/reports/package";
import { verifyPackage } from "@/lib/reports/verify-package";
import { composeOutbox, deliverOutbox, transportsFor } from "@/lib/notify";
import { myInbox } from "@/lib/reviews";
import { signingIdentity } from "@/lib/signing/identity";
import { setup } from "@/tests/support/emulator-fixture";
import { DEMO_CLOSED_NAME, seedDemo } from "./lib/demo-seed";

let s: Awaited<ReturnType<typeof setup>>;

beforeAll(async () => {
  s = await setup();
  await s.syncNow();
});
afterAll(async () => {
  await s?.close();
});

describe("npm run demo's seed", () => {
  test("every demo account opens on work; a second run seeds nothing", async () => {
    const partner = s.emu.tenant.groups.find((g) => g.displayName === "Partner Collaboration")!;
    const membersBefore = new Set(partner.members);
    const r = await seedDemo(s.ctx, () => s.writeClient());
    expect(r.skipped).toBe(false);

    // reviewer@: the quarterly review is active with items due, and My reviews lists it.
    const reviewer = s.emu.tenant.users.find((u) => u.userPrincipalName === "reviewer@contoso.onmicrosoft.com")!;
    expect(r.active!.reviewerItems).toBeGreaterThan(0);
    const inbox = await myInbox(s.ctx, reviewer.id);
    expect(inbox).toContainEqual(
      expect.objectContaining({ campaignId: r.active!.id, total: r.active!.reviewerItems, decided: 0 }),
    );
    expect(Date.parse(inbox[0]!.dueAt)).toBeGreaterThan(Date.now());
    // The notice says the date the inbox shows (they used to differ by two days).
    const notice = await s.db.notification.findFirstOrThrow({
      where: { recipientId: reviewer.id, campaignId: r.active!.id },
    });
    expect(notice.body).toBe(`${r.active!.reviewerItems} items to review by ${inbox[0]!.dueAt.slice(0, 10)}.`);
    expect(r.active!.dueAt).toBe(inbox[0]!.dueAt); // what the demo prints is what the inbox shows

    // The mail the demo sends next (scripts/demo-seed.ts runs one notice pass): reviewer@'s digest is in the emulator's
    // mailbox, with the inbox's date and a link to the review; last quarter's reviewer notices are history, not mail;
    // the admin who closed the partner review is told (no principal row before a sign-in: the creator).
    const admin = s.emu.tenant.users.find((u) => u.userPrincipalName === "admin@contoso.onmicrosoft.com")!;
    const cfg = {
      mail: { transport: "graph" as const, from: admin.userPrincipalName, perMinute: 100_000 },
      teams: null,
      publicUrl: "http://localhost:3000",
    };
    await composeOutbox(s.ctx, cfg);
    expect(
      (
        await deliverOutbox(
          s.ctx,
          transportsFor(cfg, () => s.writeClient(0)),
        )
      ).failed,
    ).toBe(0);
    const mail = (await s.control("GET", "/mail")).value as {
      text: string;
      message: { subject: string; toRecipients: { emailAddress: { address: string } }[] };
    }[];
    const to = (upn: string) => mail.filter((m) => m.message.toRecipients[0]!.emailAddress.address === upn);
    const mine = to(reviewer.userPrincipalName);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.text).toContain(`${r.active!.reviewerItems} items to review by ${inbox[0]!.dueAt.slice(0, 10)}.`);
    expect(mine[0]!.text).toContain(`http://localhost:3000/reviews/${r.active!.id}`);
    expect(mine[0]!.text).not.toContain(DEMO_CLOSED_NAME);
    expect(to(admin.userPrincipalName).map((m) => m.message.subject)).toContain(`Closed: ${DEMO_CLOSED_NAME}`);

    // auditor@: the partner review is applied, its two revoked guests are gone from Entra, its evidence verifies.
    const closed = await s.db.campaign.findUniqueOrThrow({ where: { id: r.closed!.id } });
    expect([closed.name, closed.status]).toEqual([DEMO_CLOSED_NAME, "applied"]);
    expect(r.closed).toMatchObject({ revoked: 2, applied: 2 });
    const revoked = await s.db.campaignItem.findMany({
      where: { campaignId: closed.id, decision: "revoke" },
      select: { principalId: true },
    });
    for (const i of revoked) {
      expect(membersBefore.has(i.principalId)).toBe(true);
      expect(partner.members.has(i.principalId)).toBe(false);
    }
    expect(await s.db.reportArtifact.count({ where: { campaignId: closed.id } })).toBe(10); // closed + applied stages
    const identity = signingIdentity();
    const { zip } = await buildEvidencePackage(s.ctx, closed.id, identity);
    expect((await verifyPackage(zip, identity.fingerprint)).verdict).toBe("valid");

    expect(await seedDemo(s.ctx, () => s.writeClient())).toEqual({ skipped: true });
    expect(await s.db.campaign.count()).toBe(2);
  });
});
