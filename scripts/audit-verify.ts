/**
 * `npm run audit:verify [-- --json] [--head <seq>:<hash>] [--cert <pem>] [--export-checkpoints]`
 *
 * Walks the audit hash chain and checks it against its anchors: the signed checkpoints (signed by the installation's
 * certificate, or the one given with --cert), every closed campaign's stored head, and a head the auditor holds
 * (--head). Names every edited, deleted, inserted, reordered row, a cut tail and a consistent rewrite.
 * Exit 0 when intact, 1 when anything was tampered with, 2 for usage or a failure to run.
 * --export-checkpoints prints the signed checkpoints (one JSON object per line) to keep outside Recert.
 */
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { listCheckpoints } from "../lib/audit/checkpoint";
import { verifyEvidenceChain } from "../lib/audit/verify-anchors";
import { createClient } from "../lib/db/client";
import { signingIdentity } from "../lib/signing/identity";
import { verifyDecisions } from "../lib/reviews/decisions-hash";

function usage(msg: string): never {
  console.error(
    `audit:verify: ${msg}\nusage: npm run audit:verify [-- --json] [--head <seq>:<hash>] [--cert <pem>] [--export-checkpoints]`,
  );
  process.exit(2);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (!v || v.startsWith("--")) usage(`${name} needs a value`);
  return v;
}

async function main() {
  const json = process.argv.includes("--json");
  const headArg = arg("--head");
  let expectedHead: { seq: number; hash: string } | undefined;
  if (headArg) {
    const m = /^(\d+):([0-9a-f]{64})$/i.exec(headArg);
    if (!m) usage("--head takes <seq>:<sha-256 hex>, as printed by a previous run");
    expectedHead = { seq: Number(m[1]), hash: m[2]!.toLowerCase() };
  }
  const certArg = arg("--cert");
  let trustedFingerprint: string;
  try {
    trustedFingerprint = certArg
      ? createHash("sha256")
          .update(new X509Certificate(readFileSync(certArg)).raw)
          .digest("hex")
      : signingIdentity().fingerprint;
  } catch (e) {
    usage(`cannot read the signing certificate: ${(e as Error).message}`);
  }
  const db = createClient(process.env.DATABASE_URL || "file:./data/recert.db");
  try {
    if (process.argv.includes("--export-checkpoints")) {
      for (const c of await listCheckpoints(db)) console.log(JSON.stringify(c));
      return;
    }
    const chain = await verifyEvidenceChain(db, { trustedFingerprint, ...(expectedHead ? { expectedHead } : {}) });
    // Each closed campaign's decisions against the hash its close recorded in the chain.
    const decisions = await verifyDecisions(db);
    const report = {
      ...chain,
      ok: chain.ok && decisions.problems.length === 0,
      problems: [
        ...chain.problems,
        ...decisions.problems.map((p) => ({ seq: 0, kind: "decisions" as const, message: p.message })),
      ],
      decisionsChecked: decisions.checked,
    };
    if (json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(`Audit log: ${report.checked} event(s), head ${report.head.seq}:${report.head.hash}`);
      const a = report.anchors;
      console.log(
        `Anchors: ${a.checkpoints} signed checkpoint(s)${a.latestCheckpoint ? ` (latest: event ${a.latestCheckpoint.seq}, ${a.latestCheckpoint.at})` : ""}, ${a.campaignHeads} campaign head(s)${a.expectedHead ? ", the head you gave" : ""}; decisions of ${report.decisionsChecked} closed campaign(s).`,
      );
      if (report.ok) console.log("Chain intact.");
      for (const p of report.problems) console.log(`TAMPERED ${p.kind.toUpperCase()}: ${p.message}`);
    }
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await db.$disconnect();
  }
}

main().catch((e: Error) => {
  console.error(`audit:verify failed: ${e.message}`);
  process.exit(2);
});
