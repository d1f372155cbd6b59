/**
 * `npm run bench -- report [--users 12000] [--json]`: a campaign over every security group (≈100,000 items
 * at 12,000 users), closed, then its signed PDF and its CSV rendered from the database.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { closeCampaign, createCampaign, startCampaign, type Actor, type Ctx } from "../lib/reviews/lifecycle";
import { quarterlyPreset } from "../lib/reviews/definition";
import { renderCsv } from "../lib/reports/exports";
import { renderSignedPdf } from "../lib/reports/pdf";
import { signingIdentity } from "../lib/reports/signing";
import { verifyPdf } from "../lib/reports/verify";
import { emit, flags, target, withPeakRss } from "./lib/report";
import { syncedTenant } from "./lib/setup";

export async function run(argv: string[]): Promise<number> {
  const f = flags(argv);
  const users = Number(f.users ?? 12_000);
  const json = f.json === "true";
  if (!json) console.error(`bench report: emulator with ${users.toLocaleString()} users, sync, campaign start and close (setup, not timed)…`);
  const env = await syncedTenant(users, "report");
  const dir = mkdtempSync(path.join(tmpdir(), "recert-bench-sign-"));
  try {
    const admin: Actor = { id: "00000000-0000-4000-8000-0000000000ad", name: "Bench Admin", role: "admin" };
    const ctx: Ctx = { db: env.db, databaseUrl: env.url, tenantId: env.tenantId };
    const preset = quarterlyPreset(new Date());
    const { campaignId } = await createCampaign(ctx, admin, preset);
    const { itemCount } = await startCampaign(ctx, admin, campaignId);
    await closeCampaign(ctx, admin, campaignId);
    const identity = signingIdentity({ dataDir: dir, p12Path: "" });
    const measured = await withPeakRss(async () => {
      const t0 = performance.now();
      const pdf = await renderSignedPdf(env.db, env.tenantId, campaignId, identity);
      const pdfMs = performance.now() - t0;
      const t1 = performance.now();
      const csv = await renderCsv(env.db, env.tenantId, campaignId);
      return { pdf, pdfMs, csvMs: performance.now() - t1, csvBytes: csv.length };
    });
    const valid = verifyPdf(measured.result.pdf.pdf).valid;
    emit(
      {
        suite: "report",
        startedAt: new Date().toISOString(),
        params: { users, items: itemCount, engine: "sqlite" },
        measurements: { pdfMs: Math.round(measured.result.pdfMs), pdfPages: measured.result.pdf.pages, pdfBytes: measured.result.pdf.pdf.length, csvMs: Math.round(measured.result.csvMs), csvBytes: measured.result.csvBytes, peakRssMb: Math.round(measured.peakRssMb), signatureValid: valid ? 1 : 0 },
        floors: {},
        targets: [target(`signed PDF + CSV for ${itemCount.toLocaleString("en-US")} items`, measured.ms / 1000, 10, "s"), target("peak RSS while rendering", measured.peakRssMb, 512, "MB")],
        notes: ["RSS includes the process's baseline (database client, the synced tenant's setup)."],
      },
      json,
    );
    return valid ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await env.close();
  }
}
