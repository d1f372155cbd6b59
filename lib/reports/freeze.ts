/**
 * Evidence made once (#17). When a campaign closes, and again when it is applied, its report files (signed PDF, CSV,
 * JSON and their signed manifests) are rendered and signed once, stored as bytes with their SHA-256, and the hashes go
 * into the audit chain (report.freeze). Downloads of a closed or applied campaign serve these bytes: two downloads are
 * byte-identical, and a change to the database after the close changes nothing that is served. The table is
 * append-only in the database, like the audit log.
 */
import { createHash } from "node:crypto";
import { appendAudit } from "@/lib/audit";
import { artifactContent, putBlob } from "@/lib/db/blobs";
import type { Ctx } from "@/lib/db/context";
import { UserError } from "@/lib/errors";
import { type SigningIdentity, signingIdentity } from "@/lib/signing/identity";
import { RowsWriter, signManifest } from "./exports";
import { downloadName, type ReportFile } from "./index";
import { renderSignedPdf } from "./pdf";
import { configuredTsa } from "@/lib/signing/pades";
import { logError } from "@/lib/log";

export type FrozenStage = "closed" | "applied";

const stageOf = (status: string): FrozenStage | null =>
  status === "applied" ? "applied" : status === "closed" ? "closed" : null;

/** Renders, signs and stores one stage's files; null when they are already stored (by this call or another). */
export async function freezeReports(
  ctx: Ctx,
  campaignId: string,
  stage: FrozenStage,
  identity: SigningIdentity = signingIdentity(),
): Promise<Record<ReportFile, string> | null> {
  const c = await ctx.db.campaign.findUnique({ where: { id: campaignId }, select: { tenantId: true, status: true } });
  if (!c || c.tenantId !== ctx.tenantId) throw new UserError("not_found", "No such campaign.");
  if (stage === "applied" ? c.status !== "applied" : !["closed", "applied"].includes(c.status))
    throw new UserError("conflict", `A ${c.status} campaign has no ${stage} report to freeze.`);
  const have = await ctx.db.reportArtifact.count({ where: { campaignId, stage } });
  if (have > 0) return null;
  // Final evidence is time-stamped when a time-stamp authority is configured (PAdES B-T); if it cannot be reached the
  // files are not frozen now, and the next scheduler pass tries again (interim reports are never time-stamped).
  // The PDF, the CSV and the JSON from one pass over the items (two passes fewer: 104,293 items read from PostgreSQL
  // take about 1.5 s each on the bench machine, #20); the JSON's header is the PDF's, completed by the same pass.
  const rows = new RowsWriter({ csv: true, json: true });
  const rendered = await renderSignedPdf(ctx, campaignId, identity, {
    timestampUrl: configuredTsa(),
    rows: (batch) => rows.add(batch),
  });
  const pdf = rendered.pdf;
  const { csv, json } = rows.finish(rendered.header);
  const files: [ReportFile, Buffer][] = [
    ["report.pdf", pdf],
    ["report.csv", csv],
    ["report.json", json],
    [
      "report.csv.jws",
      Buffer.from(await signManifest(downloadName(campaignId, "report.csv"), csv, campaignId, identity)),
    ],
    [
      "report.json.jws",
      Buffer.from(await signManifest(downloadName(campaignId, "report.json"), json, campaignId, identity)),
    ],
  ];
  const hashes = Object.fromEntries(files.map(([f, b]) => [f, createHash("sha256").update(b).digest("hex")])) as Record<
    ReportFile,
    string
  >;
  // The bytes first, by their hash (lib/db/blobs.ts), then the rows naming them and the audit event, together.
  for (const [file, content] of files) await putBlob(ctx.db, content, hashes[file]);
  try {
    await ctx.db.$transaction(
      async (tx) => {
        const now = ctx.now();
        for (const [file, content] of files)
          await tx.reportArtifact.create({
            data: {
              campaignId,
              stage,
              file,
              sha256: hashes[file],
              size: content.length,
              content: new Uint8Array(0), // the bytes are the ReportBlob of sha256
              createdAt: now,
            },
          });
        await appendAudit(tx, {
          actor: { type: "system", name: "reports" },
          action: "report.freeze",
          target: { type: "campaign", id: campaignId },
          after: { stage, files: hashes, signerFingerprint: identity.fingerprint },
        });
      },
      { timeout: 120_000, maxWait: 30_000 },
    );
  } catch (e) {
    // Another process froze the same stage first (the unique key): theirs stands.
    if ((e as { code?: string }).code === "P2002") return null;
    throw e;
  }
  return hashes;
}

/** After a close or an apply: freezes what the campaign's status now calls for. Never undoes the close or apply. */
export async function freezeAfter(ctx: Ctx, campaignId: string): Promise<void> {
  try {
    const c = await ctx.db.campaign.findUnique({ where: { id: campaignId }, select: { status: true } });
    if (!c || !stageOf(c.status)) return;
    await freezeReports(ctx, campaignId, "closed");
    if (c.status === "applied") await freezeReports(ctx, campaignId, "applied");
  } catch (e) {
    logError("the reports of a campaign were not frozen yet", e, { campaignId });
  }
}

/** The scheduler's sweep: every closed or applied campaign whose files are not stored yet. */
export async function freezePending(ctx: Ctx): Promise<string[]> {
  const campaigns = await ctx.db.campaign.findMany({
    where: { tenantId: ctx.tenantId, status: { in: ["closed", "applied"] } },
    select: { id: true, status: true },
  });
  const frozen = await ctx.db.reportArtifact.findMany({
    where: { campaignId: { in: campaigns.map((c) => c.id) }, file: "report.pdf" },
    select: { campaignId: true, stage: true },
  });
  const have = new Set(frozen.map((f) => `${f.campaignId}:${f.stage}`));
  const done: string[] = [];
  for (const c of campaigns) {
    const need = c.status === "applied" ? ["closed", "applied"] : ["closed"];
    if (need.every((s) => have.has(`${c.id}:${s}`))) continue;
    await freezeAfter(ctx, c.id);
    done.push(c.id);
  }
  return done;
}

/** The stored file a closed or applied campaign serves (its latest stage), freezing it first if it is missing. */
export async function frozenFile(
  ctx: Ctx,
  campaignId: string,
  file: ReportFile,
  identity?: SigningIdentity,
): Promise<{ content: Buffer; stage: FrozenStage } | null> {
  const c = await ctx.db.campaign.findUnique({ where: { id: campaignId }, select: { tenantId: true, status: true } });
  if (!c || c.tenantId !== ctx.tenantId) return null;
  const stage = stageOf(c.status);
  if (!stage) return null;
  const find = () =>
    ctx.db.reportArtifact.findUnique({
      where: { campaignId_stage_file: { campaignId, stage, file } },
      select: { sha256: true, size: true, content: true },
    });
  let row = await find();
  if (!row) {
    await freezeReports(ctx, campaignId, "closed", identity).catch(() => null);
    if (stage === "applied") await freezeReports(ctx, campaignId, "applied", identity);
    row = await find();
  }
  if (!row) return null;
  const content = await artifactContent(ctx.db, row);
  if (!content || content.length !== row.size)
    throw new UserError("conflict", `The stored ${file} of this campaign is missing or damaged; it is not served.`);
  return { content, stage };
}
