/**
 * PAdES (#17): reports are signed as PAdES baseline B-B (SubFilter ETSI.CAdES.detached, ESS signing-certificate-v2, no
 * signing-time attribute), and B-T with an RFC 3161 time-stamp from a real local time-stamp authority over HTTP
 * (tests/support/tsa.ts). pdfsig reads what a reader would; the attacks are a time-stamp moved from another signature,
 * a TSA that answers for other data, refuses or fails, and a certificate the signing-certificate attribute does not name.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closeCampaign, createCampaign, quarterlyPreset, startCampaign, type Actor } from "@/lib/reviews";
import { renderSignedPdf } from "@/lib/reports/pdf";
import { freezeReports } from "@/lib/reports/freeze";
import { signatureDer, verifyPdf } from "@/lib/reports/verify";
import { setup } from "@/tests/support/emulator-fixture";
import { startTsa, type Tsa } from "@/tests/support/tsa";
import { runVerify } from "@/tests/support/cli";
import { attributeValue, cms, essNamesCertificate, OID } from "./cms";
import { signingIdentity, type SigningIdentity } from "./identity";

let s: Awaited<ReturnType<typeof setup>>;
let tsa: Tsa;
let identity: SigningIdentity;
let campaignId = "";
const dir = mkdtempSync(path.join(tmpdir(), "recert-pades-"));
const ADMIN: Actor = { id: "6f1c3a9e-4444-4444-8444-444444444444", name: "Ada Admin", role: "admin" };
const hasPdfsig = spawnSync("pdfsig", ["-v"]).status !== null;

beforeAll(async () => {
  s = await setup({ users: 60 });
  tsa = await startTsa();
  identity = signingIdentity({ dataDir: dir, p12Path: "" });
  await s.syncNow();
  const preset = quarterlyPreset(new Date());
  preset.config.scope = {
    kind: "groups",
    groupIds: [s.emu.tenant.groups.find((g) => g.displayName === "Partner Collaboration")!.id],
  };
  ({ campaignId } = await createCampaign(s.ctx, ADMIN, preset));
  await startCampaign(s.ctx, ADMIN, campaignId);
});
afterAll(async () => {
  delete process.env.REPORT_TSA_URL;
  await tsa?.close();
  await s?.close();
});

/** The CMS of a signed PDF, its hex span in the file, and its first SignerInfo's fields. */
function cmsOf(pdf: Buffer) {
  const text = pdf.toString("latin1");
  const m = /\/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)/.exec(text)!;
  const [from, to] = [Number(m[1]) + 1, Number(m[2]) - 1];
  const der = signatureDer(Buffer.from(text.slice(from, to), "hex"));
  const root = cms.fromDer(der);
  const sd = ((root.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  const signer = (sd[sd.length - 1]!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  return { from, to, root, signer };
}

const pdfsig = (pdf: Buffer, name: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, pdf);
  return spawnSync("pdfsig", [file], { encoding: "utf8" }).stdout;
};

describe("PAdES baseline", () => {
  test("B-B: ETSI.CAdES.detached, the certificate bound by ESS signing-certificate-v2, the time in M, pdfsig valid", async () => {
    const { pdf } = await renderSignedPdf(s.ctx, campaignId, identity);
    const v = verifyPdf(pdf, identity.fingerprint);
    expect(v).toMatchObject({ verdict: "valid", profile: "PAdES B-B", timestamp: null });
    expect(Math.abs(Date.parse(v.signingTime!) - Date.now())).toBeLessThan(120_000);
    const { signer } = cmsOf(pdf);
    const signed = signer.find((f) => f.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && f.type === 0)!
      .value as forge.asn1.Asn1[];
    expect(attributeValue(signed, OID.signingTime)).toBeUndefined(); // PAdES: the time is the dictionary's M
    const ess = attributeValue(signed, OID.signingCertificateV2)!;
    expect(essNamesCertificate(ess, Buffer.from(identity.certDerB64, "base64"))).toBe(true);
    expect(essNamesCertificate(ess, Buffer.from(tsa.identity.certDerB64, "base64"))).toBe(false);
    if (hasPdfsig || process.env.CI) {
      const out = pdfsig(pdf, "bb.pdf");
      expect(out).toContain("Signature Type: ETSI.CAdES.detached");
      expect(out).toContain("Signature Validation: Signature is Valid.");
    }
  });

  test("B-T: an RFC 3161 time-stamp over the signature from the configured authority", async () => {
    const before = tsa.requests;
    const { pdf } = await renderSignedPdf(s.ctx, campaignId, identity, { timestampUrl: tsa.url });
    expect(tsa.requests).toBe(before + 1);
    const v = verifyPdf(pdf, identity.fingerprint, { tsaFingerprint: tsa.identity.fingerprint });
    expect(v).toMatchObject({
      verdict: "valid",
      profile: "PAdES B-T",
      timestamp: {
        tsaFingerprint: tsa.identity.fingerprint,
        tsa: expect.stringContaining("time-stamp authority"),
        trusted: true,
      },
    });
    // Without the authority pinned, the time-stamp is reported as proving nothing (anyone can add one).
    expect(verifyPdf(pdf, identity.fingerprint)).toMatchObject({
      verdict: "valid",
      profile: expect.stringMatching(/^PAdES B-T \(time-stamp authority not trusted/),
      timestamp: { trusted: false },
    });
    expect(Math.abs(Date.parse(v.timestamp!.at) - Date.now())).toBeLessThan(120_000);
    if (hasPdfsig || process.env.CI) {
      const out = pdfsig(pdf, "bt.pdf");
      expect(out).toContain("Signature Type: ETSI.CAdES.detached");
      expect(out).toContain("Signature Validation: Signature is Valid.");
    }
    const file = path.join(dir, "cli.pdf");
    writeFileSync(file, pdf);
    const cli = runVerify(file, "--fingerprint", identity.fingerprint, "--tsa-fingerprint", tsa.identity.fingerprint);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(/profile: +PAdES B-T\n/);
    expect(cli.stdout).toMatch(/time-stamp: +\d{4}-\d\d-\d\dT.* by .*time-stamp authority.*the trusted authority/);
    expect(runVerify(file, "--fingerprint", identity.fingerprint).stdout).toContain("NOT a trusted authority");
  });

  test("a time-stamp moved from another genuine signature is refused", async () => {
    const a = (await renderSignedPdf(s.ctx, campaignId, identity, { timestampUrl: tsa.url })).pdf;
    const b = (await renderSignedPdf(s.ctx, campaignId, identity, { timestampUrl: tsa.url })).pdf;
    const ca = cmsOf(a);
    const cb = cmsOf(b);
    const unsignedA = ca.signer.findIndex((f) => f.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && f.type === 1);
    const unsignedB = cb.signer.find((f) => f.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && f.type === 1)!;
    ca.signer[unsignedA] = unsignedB; // B's time-stamp (over B's signature value) into A
    const hex = cms.der(ca.root).toString("hex");
    expect(hex.length).toBeLessThanOrEqual(ca.to - ca.from);
    const swapped = Buffer.from(a);
    swapped.write(hex.padEnd(ca.to - ca.from, "0"), ca.from, "latin1");
    const v = verifyPdf(swapped, identity.fingerprint);
    expect(v).toMatchObject({ verdict: "invalid" });
    expect(v.reason).toBe("The signature's time-stamp does not hold: the time-stamp is for another signature.");
  });

  test("a time-stamp authority that answers for other data, refuses, or fails: no report is signed with it", async () => {
    for (const [mode, why] of [
      ["wrong-imprint", /for other data/],
      ["reject", /refused the request \(PKIStatus 2\)/],
      ["http-500", /answered HTTP 500/],
    ] as const) {
      tsa.mode = mode;
      await expect(renderSignedPdf(s.ctx, campaignId, identity, { timestampUrl: tsa.url })).rejects.toThrow(why);
    }
    tsa.mode = "grant";
    await expect(
      renderSignedPdf(s.ctx, campaignId, identity, { timestampUrl: "http://127.0.0.1:9/nothing" }),
    ).rejects.toThrow(/cannot be reached/);
  });

  test("final evidence is time-stamped when REPORT_TSA_URL is set; while the authority is down nothing is frozen", async () => {
    await closeCampaign(s.ctx, ADMIN, campaignId, "Quarter over");
    process.env.REPORT_TSA_URL = tsa.url;
    tsa.mode = "http-500";
    await expect(freezeReports(s.ctx, campaignId, "closed", identity)).rejects.toThrow(/answered HTTP 500/);
    expect(await s.db.reportArtifact.count({ where: { campaignId } })).toBe(0);
    tsa.mode = "grant";
    expect(await freezeReports(s.ctx, campaignId, "closed", identity)).not.toBeNull();
    const { getBlob } = await import("@/lib/db/blobs");
    const row = await s.db.reportArtifact.findUniqueOrThrow({
      where: { campaignId_stage_file: { campaignId, stage: "closed", file: "report.pdf" } },
    });
    const frozen = (await getBlob(s.db, row.sha256))!;
    expect(verifyPdf(frozen, identity.fingerprint, { tsaFingerprint: tsa.identity.fingerprint }).profile).toBe(
      "PAdES B-T",
    );
  });
});
