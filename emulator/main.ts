/** `npm run emulator -- [--https] [--port 4010] [--seed 42] [--users 300] [--tenant-id …] [--throttle 0.1] [--fault-rate 0.05] [--latency 50]` */
import path from "node:path";
import { loadConfig } from "./config";
import { startEmulator, tenantSummary } from "./server";

async function main() {
  const cfg = loadConfig(process.argv.slice(2));
  const started = Date.now();
  const emu = await startEmulator(cfg);
  const s = tenantSummary(emu.tenant);
  console.log(
    `Entra emulator listening on ${emu.url} (tenant ${cfg.tenantId}, seed ${cfg.seed}, generated in ${Date.now() - started} ms)`,
  );
  console.log(
    `  ${s.users} users (${s.guests} guests, ${s.disabled} disabled), ${s.groups} groups, ${s.memberships} memberships, ${s.roleAssignments} role assignments, ${s.policies} CA policies`,
  );
  console.log(`  OIDC: ${emu.url}/${cfg.tenantId}/v2.0/.well-known/openid-configuration   Graph: ${emu.url}/v1.0`);
  if (cfg.https)
    console.log(`  https with a local CA: trust it with NODE_EXTRA_CA_CERTS=${path.resolve(cfg.tlsDir, "ca.pem")}`);
  for (const a of emu.tenant.wellKnown) console.log(`  ${a.upn.padEnd(36)} ${a.role}`);
  if (cfg.throttle || cfg.faultRate || cfg.latencyMs)
    console.log(`  faults: throttle ${cfg.throttle}, fault rate ${cfg.faultRate}, latency ${cfg.latencyMs} ms`);
  const stop = () => void emu.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e: Error) => {
  console.error(`emulator: ${e.message}`);
  process.exit(1);
});
