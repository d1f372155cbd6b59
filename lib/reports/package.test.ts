/**
 * The evidence package (#17): one signed ZIP per closed campaign, checked offline. Built from a real campaign
 * (emulator → sync → decisions → close), then attacked the ways an auditor's counterpart would: a changed file, a file
 * slipped in, the whole package rebuilt and re-signed with a look-alike certificate, the audit excerpt cut short, the
 * frozen report swapped for another genuinely signed one, and ZIP tricks (traversal names, repeated names, hidden
 * bytes). Each must be named by the verifier, and `npm run verify` must exit with the matching code.
 */
import { createHash } from "node:crypto";
import { crc32, deflateRawSync } from "node:zlib";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { UserError } from "@/lib/errors";
import { closeCampaign, createCampaign, decide, quarterlyPreset, startCampaign, type Actor } from "@/lib/reviews";
import { generateSelfSigned, identityFromP12, signingIdentity, type SigningIdentity } from "@/lib/signing/identity";
import { setup } from "@/tests/support/emulator-fixture";
import { runVerify } from "@/tests/support/cli";
import { renderSignedPdf } from "./pdf";
import { signManifest } from "./exports";
import { freezeReports } from "./freeze";
import { buildEvidencePackage, type PackageManifest } from "./package";
import { verifyPackage } from "./verify-package";
import { readZip, writeZip, type ZipEntry } from "./zip";

let s: Awaited<ReturnType<typeof setup>>;
let identity: SigningIdentity;
let campaignId = "";
let openId = "";
let zip: Buffer;
const dir = mkdtempSync(path.join(tmpdir(), "recert-package-"));
const ADMIN: Actor = { id: "6f1c3a9e-3333-4333-8333-333333333333", name: "Ada Admin", role: "admin" };
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  s = await setup({ users: 120 });
  identity = signingIdentity({ dataDir: dir, p12Path: "" });
  await s.syncNow();
  const group = s.emu.tenant.groups.find((g) => g.displayName === "Partner Collaboration")!;
  const preset = quarterlyPreset(new Date());
  preset.config.scope = { kind: "groups", groupIds: [group.id] };
  ({ campaignId } = await createCampaign(s.ctx, ADMIN, preset));
  await startCampaign(s.ctx, ADMIN, campaignId);
  const reviewer = s.emu.tenant.users.find((u) => u.userPrincipalName === "reviewer@contoso.onmicrosoft.com")!;
  const mine = await s.db.campaignItemReviewer.findMany({ where: { campaignId, reviewerId: reviewer.id } });
  const me: Actor = { id: reviewer.id, name: reviewer.displayName, role: "reviewer" };
  await decide(s.ctx, me, { campaignId, itemIds: mine.slice(1).map((m) => m.itemId), decision: "approve" });
  await decide(s.ctx, me, {
    campaignId,
    itemIds: [mine[0]!.itemId],
    decision: "revoke",
    justification: "Left the partner programme",
  });
  await closeCampaign(s.ctx, ADMIN, campaignId, "Quarter over");
  await freezeReports(s.ctx, campaignId, "closed", identity);
  zip = (await buildEvidencePackage(s.ctx, campaignId, identity)).zip;
  const other = quarterlyPreset(new Date());
  other.config.scope = { kind: "groups", groupIds: [group.id] };
  ({ campaignId: openId } = await createCampaign(s.ctx, ADMIN, other));
  await startCampaign(s.ctx, ADMIN, openId);
});
afterAll(async () => {
  await s?.close();
});

/** Rebuilds a package after `change`, re-signing its manifest with `signer` (an attacker's key, or the real one). */
async function rebuilt(
  change: (files: Map<string, Buffer>, manifest: PackageManifest) => void | Promise<void>,
  signer: SigningIdentity,
): Promise<Buffer> {
  const entries = readZip(zip);
  const files = new Map(entries.map((e) => [e.name, e.content]));
  const manifest = JSON.parse(files.get("MANIFEST.json")!.toString()) as PackageManifest;
  await change(files, manifest);
  files.delete("MANIFEST.json");
  files.delete("MANIFEST.json.jws");
  manifest.files = [...files].map(([name, content]) => ({ name, sha256: sha(content), bytes: content.length }));
  manifest.signerFingerprint = signer.fingerprint;
  const m = Buffer.from(JSON.stringify(manifest, null, 2));
  const jws = await signManifest("MANIFEST.json", m, campaignId, signer);
  const out: ZipEntry[] = [
    { name: "MANIFEST.json", content: m },
    { name: "MANIFEST.json.jws", content: Buffer.from(jws) },
    ...[...files].map(([name, content]) => ({ name, content })),
  ];
  return writeZip(out, new Date());
}

const forger = () => {
  const g = generateSelfSigned("Recert report signing (self-signed)");
  return identityFromP12(g.p12, g.passphrase);
};

describe("the evidence package of a closed campaign", () => {
  test("holds the frozen reports, the certificate, an anchored audit excerpt and the index; verifies offline", async () => {
    const names = readZip(zip).map((e) => e.name);
    expect(names).toEqual([
      "MANIFEST.json",
      "MANIFEST.json.jws",
      `recert-${campaignId}-report.pdf`,
      `recert-${campaignId}-report.csv`,
      `recert-${campaignId}-report.json`,
      `recert-${campaignId}-report.csv.jws`,
      `recert-${campaignId}-report.json.jws`,
      "audit/chain.jsonl",
      "audit/checkpoint.jws",
      "signing-certificate.pem",
      "INDEX.md",
    ]);
    const files = new Map(readZip(zip).map((e) => [e.name, e.content]));
    // The report files are the stored ones, byte for byte.
    const stored = await s.db.reportArtifact.findUniqueOrThrow({
      where: { campaignId_stage_file: { campaignId, stage: "closed", file: "report.pdf" } },
    });
    expect(sha(files.get(`recert-${campaignId}-report.pdf`)!)).toBe(stored.sha256);
    // The excerpt runs from the sync the population came from to the campaign's freezing, and names its events.
    const actions = files
      .get("audit/chain.jsonl")!
      .toString()
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { action: string }).action);
    expect(actions[0]).toBe("sync.start");
    for (const a of ["sync.finish", "campaign.create", "campaign.start", "campaign.close", "report.freeze"])
      expect(actions).toContain(a);
    const index = files.get("INDEX.md")!.toString();
    for (const q of ["CC6.1", "CC6.2", "CC6.3", "A.5.15", "A.5.16", "A.5.17", "A.5.18", "Proof it was removed"])
      expect(index).toContain(q);

    const r = await verifyPackage(zip, identity.fingerprint);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r).toMatchObject({ verdict: "valid", valid: true, campaignId, signerFingerprint: identity.fingerprint });
    // Without a trusted certificate nothing is "valid", however intact.
    expect((await verifyPackage(zip)).verdict).toBe("untrusted");
    // The same state gives the same files; only the manifest's signature says when it was made.
    const again = new Map(
      readZip((await buildEvidencePackage(s.ctx, campaignId, identity)).zip).map((e) => [e.name, e.content]),
    );
    for (const [name, content] of files)
      if (name !== "MANIFEST.json.jws") expect(again.get(name)?.equals(content), name).toBe(true);
  });

  test("npm run verify checks the package: 0 trusted, 3 without trust, 1 tampered", async () => {
    const file = path.join(dir, "evidence.zip");
    writeFileSync(file, zip);
    const pem = path.join(dir, "cert.pem");
    writeFileSync(pem, identity.certPem);
    const run = runVerify;
    const ok = run(file, "--cert", pem);
    expect([ok.status, ok.stdout]).toEqual([0, expect.stringContaining("VALID: The evidence package is intact")]);
    expect(ok.stdout).toMatch(/ok +audit excerpt: events \d+–\d+ link and end at the signed checkpoint/);
    expect(run(file, "--fingerprint", "00".repeat(32)).status).toBe(3);
    const bad = Buffer.from(zip);
    bad[Math.floor(bad.length / 2)]! ^= 1; // one bit, somewhere in the report files' data
    writeFileSync(file, bad);
    const tampered = run(file, "--cert", pem);
    expect([tampered.status, tampered.stdout]).toEqual([1, expect.stringContaining("INVALID")]);
  });

  test("an open campaign has no package (its reports are interim)", async () => {
    await expect(buildEvidencePackage(s.ctx, openId, identity)).rejects.toThrow(UserError);
    await expect(buildEvidencePackage(s.ctx, openId, identity)).rejects.toThrow(/once the campaign has closed/);
  });
});

describe("attacks on a package", () => {
  test("a changed CSV with the manifest left alone: the file no longer matches the signed manifest", async () => {
    const entries = readZip(zip).map((e) =>
      e.name.endsWith("report.csv")
        ? { ...e, content: Buffer.from(e.content.toString().replace("Approve", "Revoke")) }
        : e,
    );
    const r = await verifyPackage(writeZip(entries, new Date()), identity.fingerprint);
    expect(r.verdict).toBe("invalid");
    expect(r.checks).toContainEqual(
      expect.objectContaining({ name: `file recert-${campaignId}-report.csv`, ok: false }),
    );
  });

  test("a file slipped in after signing is named", async () => {
    const entries = [...readZip(zip), { name: "extra-approval.pdf", content: Buffer.from("%PDF-1.7") }];
    const r = await verifyPackage(writeZip(entries, new Date()), identity.fingerprint);
    expect(r.checks).toContainEqual(expect.objectContaining({ name: "file extra-approval.pdf", ok: false }));
  });

  test("the whole package rebuilt and re-signed with a look-alike certificate: intact, not trusted, never valid", async () => {
    const fake = forger();
    const forged = await rebuilt(async (files) => {
      const name = `recert-${campaignId}-report.csv`;
      const csv = Buffer.from(files.get(name)!.toString().replace("Revoke", "Approve"));
      files.set(name, csv);
      files.set(`${name}.jws`, Buffer.from(await signManifest(name, csv, campaignId, fake)));
    }, fake);
    const r = await verifyPackage(forged, identity.fingerprint);
    expect(r.verdict).not.toBe("valid");
    // The PDF and checkpoint are still by the real key, the manifest by the forger: not one signer.
    expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(
      expect.arrayContaining(["certificate", "report.pdf signature", "checkpoint"]),
    );
  });

  test("the audit excerpt cut short (even re-signed with the real key): the signed checkpoint says where it ends", async () => {
    const cut = await rebuilt((files) => {
      const lines = files.get("audit/chain.jsonl")!.toString().trim().split("\n");
      files.set("audit/chain.jsonl", Buffer.from(`${lines.slice(0, -1).join("\n")}\n`));
    }, identity);
    const r = await verifyPackage(cut, identity.fingerprint);
    expect(r.verdict).toBe("invalid");
    expect(r.checks).toContainEqual(
      expect.objectContaining({ name: "checkpoint", ok: false, detail: expect.stringMatching(/cut or extended/) }),
    );
  });

  test("an edited audit row is named", async () => {
    const edited = await rebuilt((files) => {
      const text = files.get("audit/chain.jsonl")!.toString();
      expect(text).toContain("Quarter over");
      files.set("audit/chain.jsonl", Buffer.from(text.replace("Quarter over", "Early close")));
    }, identity);
    const r = await verifyPackage(edited, identity.fingerprint);
    expect(r.checks).toContainEqual(
      expect.objectContaining({
        name: "audit excerpt",
        ok: false,
        detail: expect.stringMatching(/campaign.close.*edited/),
      }),
    );
  });

  test("a genuinely signed report swapped in for the frozen one: the chain's freeze hash tells", async () => {
    const other = (await renderSignedPdf(s.ctx, campaignId, identity)).pdf; // signed by the real key, made later
    const swapped = await rebuilt((files) => {
      files.set(`recert-${campaignId}-report.pdf`, other);
    }, identity);
    const r = await verifyPackage(swapped, identity.fingerprint);
    expect(r.verdict).toBe("invalid");
    expect(r.checks).toContainEqual(
      expect.objectContaining({
        name: "frozen files in the chain",
        ok: false,
        detail: expect.stringContaining("report.pdf"),
      }),
    );
  });

  test("ZIP tricks are refused: traversal and repeated names, bytes hidden between entries, not a ZIP", async () => {
    const base = readZip(zip);
    const traversal = await verifyPackage(
      writeZip([...base, { name: "../../etc/cron.d/x", content: Buffer.from("x") }], new Date()),
    );
    expect(traversal.checks[0]).toMatchObject({
      name: "zip",
      ok: false,
      detail: expect.stringContaining("unsafe entry name"),
    });
    // Two entries of one name (the second would win when unpacked): "b.txt" renamed "a.txt" in both its headers.
    const twice = writeZip(
      [
        { name: "a.txt", content: Buffer.from("first") },
        { name: "b.txt", content: Buffer.from("second") },
      ],
      new Date(),
    );
    for (let at = twice.indexOf("b.txt"); at >= 0; at = twice.indexOf("b.txt", at + 1)) twice.write("a.txt", at);
    expect(() => readZip(twice)).toThrow(/a.txt appears twice/);
    // Room to hide data, or to make other unzip tools read another archive: flags, extra fields, comments, bytes after
    // a deflate stream's end.
    const one = writeZip([{ name: "a.txt", content: Buffer.from("x".repeat(500)) }], new Date());
    const flagged = Buffer.from(one);
    flagged.writeUInt16LE(0x0808, flagged.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 8);
    expect(() => readZip(flagged)).toThrow(/unexpected flags/);
    const commented = Buffer.from(one);
    commented.writeUInt16LE(3, commented.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 32);
    expect(() => readZip(commented)).toThrow(/extra fields and comments/);
    expect(() => readZip(withTrailingDeflateBytes("a.txt", Buffer.from("y".repeat(500))))).toThrow(
      /bytes after the end of the compressed data/,
    );
    const hidden = Buffer.concat([Buffer.from("hidden"), zip]);
    expect((await verifyPackage(hidden)).checks[0]).toMatchObject({ name: "zip", ok: false });
    expect((await verifyPackage(Buffer.from("PK\x03\x04 not really"))).verdict).toBe("invalid");
  });
});

/** A one-entry ZIP whose deflate stream is followed by hidden bytes inside the entry (sizes and CRC consistent). */
function withTrailingDeflateBytes(name: string, content: Buffer): Buffer {
  const data = Buffer.concat([deflateRawSync(content), Buffer.from("HIDDEN")]);
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0x0800, 6);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc32(content), 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(n.length, 26);
  const cd = Buffer.alloc(46);
  cd.writeUInt32LE(0x02014b50, 0);
  cd.writeUInt16LE(0x0314, 4);
  cd.writeUInt16LE(20, 6);
  cd.writeUInt16LE(0x0800, 8);
  cd.writeUInt16LE(8, 10);
  cd.writeUInt32LE(crc32(content), 16);
  cd.writeUInt32LE(data.length, 20);
  cd.writeUInt32LE(content.length, 24);
  cd.writeUInt16LE(n.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + n.length, 12);
  end.writeUInt32LE(30 + n.length + data.length, 16);
  return Buffer.concat([local, n, data, cd, n, end]);
}
