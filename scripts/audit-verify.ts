/** `npm run audit:verify [-- --json]`: walks the audit hash chain; exit 0 when intact, 1 when any row was tampered with. */
import { verifyChain } from "../lib/audit/verify-chain";
import { createClient } from "../lib/db/client";

async function main() {
  const json = process.argv.includes("--json");
  const db = createClient(process.env.DATABASE_URL || "file:./data/recert.db");
  try {
    const report = await verifyChain(db);
    if (json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(`Audit log: ${report.checked} event(s), head #${report.head.seq} ${report.head.hash}`);
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
