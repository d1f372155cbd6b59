import { existsSync, readFileSync } from "node:fs";
import { type KeyCredential, keyCredentialFromFile } from "./oidc/client-assertion";

/** A further app registration the emulator registers from the same env the app reads (one .env drives both). */
export interface ExtraApp {
  clientId: string;
  secret: string | null;
  keyCredentials: KeyCredential[];
}

export interface EmulatorConfig {
  port: number;
  host: string;
  publicUrl: string;
  seed: string;
  users: number;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  appIdUri: string;
  redirectUris: string[];
  password: string;
  adminKey: string;
  throttle: number;
  faultRate: number;
  latencyMs: number;
  retryAfterS: number;
  tokenLifetimeS: number;
  deltaTokenMaxAgeS: number;
  /**
   * P1/P2 unlock sign-in activity, registration details and conditional access; free does not. PIM (role eligibility
   * and assignment schedules) needs P2 (or ID Governance): P1 and free get AadPremiumLicenseRequired there.
   */
  licence: "P2" | "P1" | "free";
  /** Share of employees and plain security groups synced from AD (EMULATOR_ONPREM_SHARE; default 0, demo 0.3). */
  onPremisesShare: number;
  /** Recert's write app (GRAPH_WRITE_CLIENT_ID …): write permissions only, a certificate and/or a secret. */
  writeApp: ExtraApp;
  /** A dedicated read app (GRAPH_CLIENT_ID …), when configured; else the sign-in app reads. */
  readApp?: ExtraApp;
  /** Serve https with a local CA (EMULATOR_HTTPS=1 or --https), its files in tlsDir (EMULATOR_TLS_DIR). */
  https: boolean;
  tlsDir: string;
  now?: Date;
}

export const DEFAULTS = {
  port: 4010,
  seed: "42",
  users: 300,
  tenantId: "8c3dad1d-b6bc-4f8b-939b-8263372eced6",
  clientId: "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
  clientSecret: "recert-demo-client-secret",
  password: "recert-demo",
  adminKey: "emulator-admin-key",
  appPort: 3000,
  writeClientId: "7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
};

function extraApp(
  e: NodeJS.ProcessEnv,
  prefix: "GRAPH_CLIENT" | "GRAPH_WRITE_CLIENT",
  fallbackId?: string,
): ExtraApp | undefined {
  const clientId = e[`${prefix}_ID`] || fallbackId;
  if (!clientId) return undefined;
  const file = e[`${prefix}_CERTIFICATE`];
  let keyCredentials: KeyCredential[] = [];
  if (file) {
    try {
      keyCredentials = [keyCredentialFromFile(readFileSync(file), e[`${prefix}_CERTIFICATE_PASSWORD`])];
    } catch (err) {
      throw new Error(`${prefix}_CERTIFICATE (${file}) cannot be read: ${(err as Error).message}`);
    }
  }
  return { clientId, secret: e[`${prefix}_SECRET`] || null, keyCredentials };
}

/** KEY=VALUE lines; variables already in the environment are never overridden. */
function readDotEnv(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!m || line.trim().startsWith("#")) continue;
    out[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, "$2");
  }
  return out;
}

function flags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) continue;
    const [k, v] = a.slice(2).split("=", 2);
    if (v !== undefined) out[k!] = v;
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) out[k!] = argv[++i]!;
    else out[k!] = "true";
  }
  return out;
}

function num(
  value: string | undefined,
  fallback: number,
  name: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new Error(`${name} must be a number between ${min} and ${max} (got "${value}")`);
  return n;
}

/** Flags > environment > .env > defaults. */
export function loadConfig(
  argv: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
  dotEnvFile = ".env",
): EmulatorConfig {
  const f = flags(argv);
  const e = { ...readDotEnv(dotEnvFile), ...env };
  const port = num(f.port ?? e.EMULATOR_PORT, DEFAULTS.port, "--port", 0, 65535);
  const https = f.https === "true" || e.EMULATOR_HTTPS === "1" || e.EMULATOR_HTTPS === "true";
  const appPort = num(e.PORT, DEFAULTS.appPort, "PORT", 1, 65535);
  const clientId = e.AUTH_MICROSOFT_ENTRA_ID_ID || DEFAULTS.clientId;
  const redirectUris = [
    `http://localhost:${appPort}/api/auth/callback/microsoft-entra-id`,
    `http://127.0.0.1:${appPort}/api/auth/callback/microsoft-entra-id`,
    ...(e.EMULATOR_REDIRECT_URIS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
  return {
    port,
    host: f.host ?? e.EMULATOR_HOST ?? "127.0.0.1",
    publicUrl: (e.EMULATOR_PUBLIC_URL || `${https ? "https" : "http"}://localhost:${port}`).replace(/\/+$/, ""),
    seed: f.seed ?? e.EMULATOR_SEED ?? DEFAULTS.seed,
    users: num(f.users ?? e.EMULATOR_USERS, DEFAULTS.users, "--users", 40, 2_000_000),
    tenantId: f["tenant-id"] ?? (e.ENTRA_TENANT_ID || DEFAULTS.tenantId),
    clientId,
    clientSecret: e.AUTH_MICROSOFT_ENTRA_ID_SECRET || DEFAULTS.clientSecret,
    appIdUri: e.RECERT_APP_ID_URI || `api://${clientId}`,
    redirectUris,
    password: e.EMULATOR_PASSWORD || DEFAULTS.password,
    adminKey: e.EMULATOR_ADMIN_KEY || DEFAULTS.adminKey,
    throttle: num(f.throttle ?? e.EMULATOR_THROTTLE, 0, "--throttle", 0, 1),
    faultRate: num(f["fault-rate"] ?? e.EMULATOR_FAULT_RATE, 0, "--fault-rate", 0, 1),
    latencyMs: num(f.latency ?? e.EMULATOR_LATENCY_MS, 0, "--latency", 0, 60_000),
    retryAfterS: num(e.EMULATOR_RETRY_AFTER_S, 1, "EMULATOR_RETRY_AFTER_S", 0, 120),
    tokenLifetimeS: num(e.EMULATOR_TOKEN_LIFETIME_S, 3599, "EMULATOR_TOKEN_LIFETIME_S", 1, 86_400),
    deltaTokenMaxAgeS: 7 * 86_400,
    licence: e.EMULATOR_LICENCE === "free" ? "free" : e.EMULATOR_LICENCE === "P1" ? "P1" : "P2",
    onPremisesShare: num(e.EMULATOR_ONPREM_SHARE, 0, "EMULATOR_ONPREM_SHARE", 0, 1),
    writeApp: extraApp(e, "GRAPH_WRITE_CLIENT", DEFAULTS.writeClientId)!,
    readApp: extraApp(e, "GRAPH_CLIENT"),
    https,
    tlsDir: e.EMULATOR_TLS_DIR || "data/emulator-tls",
  };
}

/**
 * The roots this emulator's Graph answers at, as a client-credentials resource: its public URL, and the same port on
 * the loopback names (a client configured with GRAPH_BASE_URL=http://127.0.0.1:<port> reaches the same service as
 * one given http://localhost:<port>). A national cloud's Graph token is for its own root (graph.microsoft.us…).
 */
export function ownGraphRoots(cfg: EmulatorConfig): string[] {
  const roots = new Set([new URL(cfg.publicUrl).origin]);
  const scheme = cfg.https ? "https" : "http";
  for (const host of ["127.0.0.1", "localhost", "[::1]"]) roots.add(`${scheme}://${host}:${cfg.port}`);
  return [...roots];
}
