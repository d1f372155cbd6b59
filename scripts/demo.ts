/**
 * `npm run demo`: the Entra emulator with its demo tenant + Recert (production build) on SQLite.
 * Ctrl-C stops both. Ports: PORT (app, 3000) and EMULATOR_PORT (4010); any variable already set wins.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { migrate } from "../lib/db/migrate";
import { DEMO_ACCOUNTS, DEMO_DEFAULTS, emulatorEnv, loadDotEnv } from "./lib/defaults";
import { buildIfStale, demoSecrets, startAppProcess, startEmulatorProcess, stopAll, waitForUrl } from "./lib/processes";

async function main() {
  loadDotEnv();
  const appPort = Number(process.env.PORT ?? 3000);
  const emulatorPort = Number(process.env.EMULATOR_PORT ?? 4010);
  const env = emulatorEnv({ ...demoSecrets(), ...process.env }, appPort, emulatorPort);
  env.DATABASE_URL ??= "file:./data/recert.db";
  // The demo tenant is hybrid, as most are: a share of employees and groups synced from AD (their removals are AD tasks).
  env.EMULATOR_ONPREM_SHARE ??= "0.3";

  const m = await migrate(env.DATABASE_URL);
  console.log(`Database ready (${m.applied.length} migration(s) applied).`);
  await buildIfStale(env);

  const emulator = startEmulatorProcess(env);
  const children = [emulator];
  const shutdown = (code: number) => {
    stopAll(children);
    process.exit(code);
  };
  process.on("SIGINT", () => shutdown(0));
  process.on("SIGTERM", () => shutdown(0));
  const tenant = env.ENTRA_TENANT_ID ?? DEMO_DEFAULTS.ENTRA_TENANT_ID;
  await waitForUrl(
    `http://localhost:${emulatorPort}/${tenant}/v2.0/.well-known/openid-configuration`,
    60_000,
    emulator,
  );

  // Seed: one sync from the emulator's tenant, so the demo opens on data.
  console.log("Syncing the demo tenant…");
  const sync = spawnSync(path.join("node_modules", ".bin", "tsx"), ["scripts/sync.ts"], { env, stdio: "inherit" });
  if (sync.status !== 0)
    console.warn(
      `The first sync did not finish cleanly (exit ${sync.status}); see above. Settings → Sync now retries.`,
    );

  // Then campaigns, so every account opens on work: reviewer@ has items due, auditor@ has signed evidence (#18).
  if (sync.status === 0) {
    const seed = spawnSync(path.join("node_modules", ".bin", "tsx"), ["scripts/demo-seed.ts"], {
      env,
      stdio: "inherit",
    });
    if (seed.status !== 0) console.warn("The demo campaigns were not seeded; see above. The app still starts.");
  }

  const app = startAppProcess({ ...env, NODE_ENV: "production" }, appPort);
  children.push(app);
  await waitForUrl(`http://localhost:${appPort}/api/health`, 60_000, app);
  for (const c of children) c.on("exit", (code) => shutdown(code ?? 1));

  const password = env.EMULATOR_PASSWORD ?? DEMO_DEFAULTS.EMULATOR_PASSWORD;
  console.log(`
  Recert is running at http://localhost:${appPort}
  Entra emulator:      http://localhost:${emulatorPort}

  Sign in with (password: ${password}):
${DEMO_ACCOUNTS.map((a) => `    ${a.upn.padEnd(36)} ${a.role}`).join("\n")}

  What each account finds: admin@ the dashboard, both campaigns and Settings; reviewer@ the quarterly review's
  items due in My reviews; auditor@ the closed partner review's signed PDF, CSV, JSON and evidence package in Reports.
  Mail Recert sent (the reviewers' digests, the admin's close summary): http://localhost:${emulatorPort}/mailbox

  Press Ctrl-C to stop.
`);
}

main().catch((e: Error) => {
  console.error(`Demo failed to start: ${e.message}`);
  process.exit(1);
});
