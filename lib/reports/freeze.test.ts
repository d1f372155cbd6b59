/**
 * Evidence made once (#17): an open campaign's report is labelled interim on every page and in its name; at close
 * the files are rendered and signed once and stored with their hashes in the audit chain; downloads serve those bytes
 * (two downloads are byte-identical, and an edit to the database afterwards changes nothing served); the stored files
 * cannot be changed in the database. Real emulator, real database, poppler's pdftotext for what a reader sees.
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closeCampaign, createCampaign, decide, quarterlyPreset, startCampaign, type Actor } from "@/lib/reviews";
import { setup } from "@/tests/support/emulator-fixture";
import { verifyDecisions } from "@/lib/reviews/decisions-hash";
import { freezePending, freezeReports } from "./freeze";
import { getBlob, putBlob } from "@/lib/db/blobs";
import { reportResponse } from "./serve";

let s: Awaited<ReturnType<typeof setup>>;
let campaignId = "";
const ADMIN: Actor = { id: "6f1c3a9e-2222-4222-8222-222222222222", name: "Ada Admin", role: "admin" };
const dir = mkdtempSync(path.join(tmpdir(), "recert-freeze-"));
const hasPdftotext = spawnSync("pdftotext", ["-v"]).status !== null;
const bytes = async (r: Response) => Buffer.from(await r.arrayBuffer());

beforeAll(async () => {
  s = await setup({ users: 120 });
  await s.syncNow();
  const preset = quarterlyPreset(new Date());
  const group = s.emu.tenant.groups.find((g) => g.displayName === "Partner Collaboration")!;
  preset.config.scope = { kind: "groups", groupIds: [group.id] };
  ({ campaignId } = await createCampaign(s.ctx, ADMIN, preset));
  await startCampaign(s.ctx, ADMIN, campaignId);
  const reviewer = s.emu.tenant.users.find((u) => u.userPrincipalName === "reviewer@contoso.onmicrosoft.com")!;
  const mine = await s.db.campaignItemReviewer.findMany({ where: { campaignId, reviewerId: reviewer.id } });
  await decide(
    s.ctx,
    { id: reviewer.id, name: reviewer.displayName, role: "reviewer" },
    {
      campaignId,
      itemIds: mine.map((m) => m.itemId),
      decision: "approve",
    },
  );
});
afterAll(async () => {
  await s?.close();
});

describe("reports of an open campaign", () => {
  test("are interim: named so, and said on every page of the PDF", async () => {
    const r = await reportResponse(s.ctx, campaignId, "report.pdf");
    expect(r.headers.get("content-disposition")).toContain(`recert-${campaignId}-INTERIM-report.pdf`);
    expect(await s.db.reportArtifact.count({ where: { campaignId } })).toBe(0); // nothing stored while open
    if (hasPdftotext || process.env.CI) {
      const file = path.join(dir, "interim.pdf");
      writeFileSync(file, await bytes(r));
      const pages = spawnSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" })
        .stdout.split("\f")
        .filter((p) => p.trim());
      expect(pages.length).toBeGreaterThan(1);
      for (const p of pages) expect(p).toContain("Interim – not final evidence");
    }
    const csv = await reportResponse(s.ctx, campaignId, "report.csv.jws");
    expect(csv.headers.get("content-disposition")).toContain("INTERIM-report.csv.jws");
  });
});

describe("reports of a closed campaign", () => {
  test("are made once at close: stored, hashed into the audit chain, served byte for byte whatever the database says later", async () => {
    await closeCampaign(s.ctx, ADMIN, campaignId, "Quarter over");
    expect(await freezePending(s.ctx)).toEqual([campaignId]); // the scheduler's sweep (an admin's Close does it at once)
    expect(await freezePending(s.ctx)).toEqual([]);
    expect(await freezeReports(s.ctx, campaignId, "closed")).toBeNull(); // once only
    const stored = await s.db.reportArtifact.findMany({ where: { campaignId }, orderBy: { file: "asc" } });
    expect(stored.map((a) => [a.stage, a.file])).toEqual([
      ["closed", "report.csv"],
      ["closed", "report.csv.jws"],
      ["closed", "report.json"],
      ["closed", "report.json.jws"],
      ["closed", "report.pdf"],
    ]);
    const freeze = await s.db.auditEvent.findFirstOrThrow({ where: { action: "report.freeze", targetId: campaignId } });
    const hashes = JSON.parse(freeze.after!).files as Record<string, string>;
    for (const a of stored) {
      expect(a.content.length).toBe(0); // the bytes are in ReportBlob, by their hash, read through the driver
      const blob = await getBlob(s.db, a.sha256);
      expect(hashes[a.file]).toBe(createHash("sha256").update(blob!).digest("hex"));
      expect(blob!.length).toBe(a.size);
    }

    const first = await bytes(await reportResponse(s.ctx, campaignId, "report.pdf"));
    const second = await bytes(await reportResponse(s.ctx, campaignId, "report.pdf"));
    expect(second.equals(first)).toBe(true);
    expect(createHash("sha256").update(first).digest("hex")).toBe(hashes["report.pdf"]);
    // The decisions hash recorded at close (in the chain) matches the decisions, and the frozen report says so.
    expect(await verifyDecisions(s.db)).toEqual({ checked: 1, problems: [] });
    const frozenJson = JSON.parse(
      (await bytes(await reportResponse(s.ctx, campaignId, "report.json"))).toString("utf8"),
    );
    expect(frozenJson.campaign.decisions.hash).toBe(frozenJson.campaign.decisions.atClose);
    // Someone with database access edits a decision after the close: the evidence served does not move.
    const csvBefore = await bytes(await reportResponse(s.ctx, campaignId, "report.csv"));
    await s.db.$executeRawUnsafe(
      `UPDATE "CampaignItem" SET "justification" = 'edited after close' WHERE "campaignId" = '${campaignId}'`,
    );
    expect((await bytes(await reportResponse(s.ctx, campaignId, "report.csv"))).equals(csvBefore)).toBe(true);
    expect(csvBefore.toString("utf8")).not.toContain("edited after close");
    // …and audit:verify's decision check names the first item that no longer matches the report frozen at close.
    const v = await verifyDecisions(s.db);
    expect(v.problems).toEqual([
      expect.objectContaining({
        campaignId,
        message: expect.stringMatching(
          /decisions no longer match the hash recorded at close: item #1 \(.+\) no longer matches the report frozen at close/,
        ),
      }),
    ]);
    const r = await reportResponse(s.ctx, campaignId, "report.json");
    expect(r.headers.get("content-disposition")).toBe(`attachment; filename="recert-${campaignId}-report.json"`);
  });

  test("the stored files cannot be changed or removed in the database", async () => {
    await expect(s.db.$executeRawUnsafe(`UPDATE "ReportArtifact" SET "sha256" = 'x'`)).rejects.toThrow();
    await expect(s.db.$executeRawUnsafe(`DELETE FROM "ReportArtifact"`)).rejects.toThrow();
    await expect(s.db.$executeRawUnsafe(`UPDATE "ReportBlob" SET "size" = 1`)).rejects.toThrow(/append-only/);
    await expect(s.db.$executeRawUnsafe(`DELETE FROM "ReportBlob"`)).rejects.toThrow(/append-only/);
    // Bytes stored under a key that is not their hash are refused, on write and on read.
    await expect(putBlob(s.db, Buffer.from("forged"), "0".repeat(64))).rejects.toThrow(/not the SHA-256/);
    expect(await s.db.reportArtifact.count({ where: { campaignId } })).toBe(5);
  });
});
