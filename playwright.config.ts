import { E2E_METRICS_TOKEN } from "./e2e/support";
import { defineConfig } from "@playwright/test";
import { emulatorEnv } from "./scripts/lib/defaults";

// Own ports, so a running demo (3000/4010) does not collide with a test run.
const appPort = Number(process.env.TEST_APP_PORT ?? 3210);
const emulatorPort = Number(process.env.TEST_EMULATOR_PORT ?? 4210);
// E2E_HTTPS=1: the emulator serves https from a local CA that the app, the CLI and the test workers trust through
// NODE_EXTRA_CA_CERTS (scripts/test.ts sets it for the PostgreSQL run).
const https = process.env.E2E_HTTPS === "1";

const env = emulatorEnv(
  {
    ...process.env,
    DATABASE_URL: process.env.E2E_DATABASE_URL ?? process.env.DATABASE_URL ?? "file:./data/e2e.db",
    AUTH_SECRET: process.env.AUTH_SECRET ?? "e2e-only-auth-secret-0123456789abcdef0123456789",
    RECERT_ENCRYPTION_KEY: process.env.RECERT_ENCRYPTION_KEY ?? "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    RECERT_METRICS_TOKEN: E2E_METRICS_TOKEN,
  },
  appPort,
  emulatorPort,
  { https },
);
// Workers start after this file is read: they inherit the CA too.
if (https) process.env.NODE_EXTRA_CA_CERTS = env.NODE_EXTRA_CA_CERTS;
export const E2E = {
  appUrl: `http://localhost:${appPort}`,
  emulatorUrl: `${https ? "https" : "http"}://localhost:${emulatorPort}`,
  https,
  env,
};

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/playwright-artifacts",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter:
    process.env.PLAYWRIGHT_REPORTERS === "ci"
      ? [["list"], ["json", { outputFile: "test-results/playwright.json" }]]
      : "list",
  use: {
    baseURL: E2E.appUrl,
    trace: "retain-on-failure",
    // Chromium does not read NODE_EXTRA_CA_CERTS: it is told to accept the emulator's sign-in page. Every Node
    // process (the app, the CLI, the workers) checks the certificate against the local CA.
    ignoreHTTPSErrors: https,
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [
    {
      command: "node_modules/.bin/tsx emulator/main.ts",
      url: `${E2E.emulatorUrl}/${env.ENTRA_TENANT_ID}/v2.0/.well-known/openid-configuration`,
      ignoreHTTPSErrors: true,
      env: env as Record<string, string>,
      reuseExistingServer: process.env.E2E_REUSE === "1",
      timeout: 60_000,
    },
    {
      command: `node_modules/.bin/tsx scripts/db-migrate.ts && node_modules/.bin/next start -p ${appPort}`,
      url: `${E2E.appUrl}/api/health`,
      env: { ...(env as Record<string, string>), NODE_ENV: "production" },
      reuseExistingServer: process.env.E2E_REUSE === "1",
      timeout: 90_000,
    },
  ],
});
