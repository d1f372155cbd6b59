import path from "node:path";
import { ensureLocalTls } from "../../emulator/tls";
import { ensureDemoCertificate } from "./demo-certificate";

/**
 * The documented demo defaults. The emulator (emulator/config.ts) uses the same values, so one `.env`,
 * or none, drives both. Never used in production: a real deployment sets every variable (README).
 */
export const DEMO_DEFAULTS = {
  ENTRA_TENANT_ID: "8c3dad1d-b6bc-4f8b-939b-8263372eced6",
  AUTH_MICROSOFT_ENTRA_ID_ID: "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
  AUTH_MICROSOFT_ENTRA_ID_SECRET: "recert-demo-client-secret",
  // The write app: its own registration with a certificate (made at first start, data/demo-write-app.pem).
  GRAPH_WRITE_CLIENT_ID: "7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
  EMULATOR_PASSWORD: "recert-demo",
  EMULATOR_ADMIN_KEY: "emulator-admin-key",
  // Seals a connection saved in Settings (demo only: a deployment generates its own, `openssl rand -base64 32`).
  RECERT_ENCRYPTION_KEY: "ZGVtby1vbmx5LXJlY2VydC1lbmNyeXB0aW9uLWtleSE=",
} as const;

export const DEMO_ACCOUNTS = [
  { upn: "admin@contoso.onmicrosoft.com", role: "Admin" },
  { upn: "auditor@contoso.onmicrosoft.com", role: "Auditor" },
  { upn: "reviewer@contoso.onmicrosoft.com", role: "Reviewer (owns groups, manages people)" },
] as const;

/** Loads `.env` from the working directory without overriding variables already set. */
export function loadDotEnv(file = ".env"): void {
  try {
    process.loadEnvFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

/**
 * The environment for an app + emulator pair on the given ports: everything already in `env` wins,
 * the rest comes from the demo defaults, pointing sign-in and Graph at the emulator.
 */
export function emulatorEnv(
  env: NodeJS.ProcessEnv,
  appPort: number,
  emulatorPort: number,
  o: { https?: boolean } = {},
): NodeJS.ProcessEnv {
  const emulatorUrl = `${o.https ? "https" : "http"}://localhost:${emulatorPort}`;
  const merged: NodeJS.ProcessEnv = {
    ...DEMO_DEFAULTS,
    ENTRA_AUTHORITY_HOST: emulatorUrl,
    GRAPH_BASE_URL: emulatorUrl,
    ...env,
  };
  if (!merged.GRAPH_WRITE_CLIENT_SECRET && !merged.GRAPH_WRITE_CLIENT_CERTIFICATE)
    merged.GRAPH_WRITE_CLIENT_CERTIFICATE = ensureDemoCertificate(path.resolve("data", "demo-write-app.pem"));
  if (o.https) {
    // The emulator serves https from a local CA made here first, so every Node process that talks to it can trust
    // that CA from its start (NODE_EXTRA_CA_CERTS is read once, at start-up).
    merged.EMULATOR_HTTPS = "1";
    merged.EMULATOR_TLS_DIR ??= path.resolve("data", "emulator-tls");
    merged.NODE_EXTRA_CA_CERTS = ensureLocalTls(merged.EMULATOR_TLS_DIR).caFile;
  }
  // Notices (#18): mail through the emulator's Graph sendMail, sent as admin@ (a member with a mailbox), linking to
  // this app; paced for a demo, not for Exchange's 30 a minute.
  merged.NOTIFY_MAIL ??= "graph";
  merged.NOTIFY_MAIL_FROM ??= DEMO_ACCOUNTS[0]!.upn;
  merged.NOTIFY_MAIL_PER_MINUTE ??= "6000";
  merged.RECERT_PUBLIC_URL ??= `http://localhost:${appPort}`;
  merged.PORT = String(appPort);
  merged.EMULATOR_PORT = String(emulatorPort);
  merged.NEXT_TELEMETRY_DISABLED = "1";
  return merged;
}
