import { z } from "zod";

/**
 * Every variable Recert reads, validated once. Scripts (CLI, sync, scheduler) and the app share it,
 * so a typo in `.env` fails loudly at start-up instead of deep inside a sync.
 */
const guid = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    "must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
  );
const httpUrl = z
  .string()
  .url("must be an absolute URL")
  .refine((u) => /^https?:\/\//.test(u), "must start with http:// or https://")
  .transform((u) => u.replace(/\/+$/, ""));

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z
    .string()
    .default("file:./data/recert.db")
    .refine(
      (u) => u.startsWith("file:") || /^postgres(ql)?:\/\//.test(u),
      "must start with file: (SQLite) or postgresql:// (PostgreSQL)",
    ),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters (generate one with `openssl rand -base64 33`)"),
  AUTH_MICROSOFT_ENTRA_ID_ID: guid,
  AUTH_MICROSOFT_ENTRA_ID_SECRET: z.string().min(1, "is required (the client secret of the Recert app registration)"),
  AUTH_MICROSOFT_ENTRA_ID_ISSUER: httpUrl.optional(),
  ENTRA_TENANT_ID: guid,
  ENTRA_AUTHORITY_HOST: httpUrl.default("https://login.microsoftonline.com"),
  GRAPH_BASE_URL: httpUrl.default("https://graph.microsoft.com"),
  RECERT_APP_ID_URI: z.string().min(1).optional(),
  // The read app: a dedicated app registration for syncs; when set it wins over the one saved in Settings. It
  // authenticates with a secret or (recommended) a certificate file: PEM with its private key, or PKCS#12.
  GRAPH_CLIENT_ID: guid.optional(),
  GRAPH_CLIENT_SECRET: z.string().min(1).optional(),
  GRAPH_CLIENT_CERTIFICATE: z.string().min(1).optional(),
  GRAPH_CLIENT_CERTIFICATE_PASSWORD: z.string().optional(),
  // The write app: the only credentials revocations and expiries use; never the sign-in or read app's.
  GRAPH_WRITE_CLIENT_ID: guid.optional(),
  GRAPH_WRITE_CLIENT_SECRET: z.string().min(1).optional(),
  GRAPH_WRITE_CLIENT_CERTIFICATE: z.string().min(1).optional(),
  GRAPH_WRITE_CLIENT_CERTIFICATE_PASSWORD: z.string().optional(),
  RECERT_ENCRYPTION_KEY: z
    .string()
    .refine(
      (k) => decodeKey(k)?.length === 32,
      "must be 32 bytes, base64 or hex encoded (generate one with `openssl rand -base64 32`)",
    )
    .optional(),
  // Absolute session lifetime in hours, whatever the activity (the idle limit is 8 hours).
  RECERT_SESSION_HOURS: z.coerce
    .number()
    .min(1, "must be at least 1 (hours)")
    .max(24 * 7, "must be at most 168 (a week)")
    .default(12),
  // Accounts no bulk action may expire or block (besides detected break-glass accounts), comma-separated UPNs.
  RECERT_PROTECTED_UPNS: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((u) => u.trim().toLowerCase())
        .filter(Boolean),
    ),
  // An expiry or a campaign apply touching more accounts than this waits for a second admin's approval.
  RECERT_APPROVAL_THRESHOLD: z.coerce
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1 (an account)")
    .default(50),
  REPORT_SIGNING_P12: z.string().min(1).optional(),
  REPORT_SIGNING_P12_PASSPHRASE: z.string().optional(),
  // An RFC 3161 time-stamp authority for final reports (PAdES B-T), and the SHA-256 of its certificate (lib/signing).
  REPORT_TSA_URL: httpUrl.optional(),
  REPORT_TSA_FINGERPRINT: z
    .string()
    .trim()
    .regex(
      /^([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/,
      "must be the SHA-256 of the authority's certificate (64 hex digits)",
    )
    .optional(),
  // Notices (#18, lib/notify): mail through Graph's sendMail (the write app, Mail.Send) or an SMTP relay, and a Teams
  // channel through a Workflows webhook. Links in them start with RECERT_PUBLIC_URL (else AUTH_URL, else localhost).
  NOTIFY_MAIL: z.enum(["off", "graph", "smtp"], { error: "must be off, graph or smtp" }).default("off"),
  NOTIFY_MAIL_FROM: z.email("must be a mail address (the mailbox notices are sent from)").optional(),
  NOTIFY_SMTP_URL: z
    .string()
    .url("must be a URL such as smtp://user:password@relay.example.com:587")
    .refine((u) => /^smtps?:\/\//.test(u), "must start with smtp:// (STARTTLS) or smtps:// (TLS)")
    .optional(),
  NOTIFY_TEAMS_WEBHOOK_URL: httpUrl.optional(),
  // Exchange Online accepts 30 messages a minute from one mailbox (Exchange Online limits, "Sending limits").
  NOTIFY_MAIL_PER_MINUTE: z.coerce
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(100_000, "must be at most 100000")
    .default(30),
  RECERT_PUBLIC_URL: httpUrl.optional(),
  // GET /api/metrics (Prometheus text) answers only a bearer of this token; unset, the endpoint is off (404).
  RECERT_METRICS_TOKEN: z.string().min(32, "must be at least 32 characters (e.g. openssl rand -hex 32)").optional(),
});

export type Env = z.infer<typeof schema> & { AUTH_MICROSOFT_ENTRA_ID_ISSUER: string; RECERT_APP_ID_URI: string };

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      `Recert's configuration is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee README.md, section "Configuration".`,
    );
    this.name = "EnvError";
  }
}

export function decodeKey(value: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, "hex");
  const b = Buffer.from(value, "base64");
  return b.length > 0 ? b : undefined;
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings in .env files mean "unset", not "invalid".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map(
        (i) => `${i.path.join(".")} ${i.code === "invalid_type" && i.input === undefined ? "is required" : i.message}`,
      ),
    );
  }
  const env = result.data;
  const problems = [
    ...credentialProblems(
      "GRAPH_CLIENT",
      "read app",
      env.GRAPH_CLIENT_ID,
      env.GRAPH_CLIENT_SECRET,
      env.GRAPH_CLIENT_CERTIFICATE,
    ),
    ...credentialProblems(
      "GRAPH_WRITE_CLIENT",
      "write app",
      env.GRAPH_WRITE_CLIENT_ID,
      env.GRAPH_WRITE_CLIENT_SECRET,
      env.GRAPH_WRITE_CLIENT_CERTIFICATE,
    ),
  ];
  const write = env.GRAPH_WRITE_CLIENT_ID?.toLowerCase();
  if (write && [env.AUTH_MICROSOFT_ENTRA_ID_ID, env.GRAPH_CLIENT_ID].some((id) => id?.toLowerCase() === write))
    problems.push(
      "GRAPH_WRITE_CLIENT_ID must be its own app registration, not the sign-in or read app: whoever holds the web server's sign-in credentials must not hold the right to change the tenant",
    );
  if (env.NOTIFY_MAIL !== "off" && !env.NOTIFY_MAIL_FROM)
    problems.push(
      `NOTIFY_MAIL_FROM is required when NOTIFY_MAIL=${env.NOTIFY_MAIL} (the mailbox notices are sent from)`,
    );
  if (env.NOTIFY_TEAMS_WEBHOOK_URL) {
    const u = new URL(env.NOTIFY_TEAMS_WEBHOOK_URL);
    const local = ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname);
    if (u.username || u.password || !(u.protocol === "https:" || (u.protocol === "http:" && local)))
      problems.push("NOTIFY_TEAMS_WEBHOOK_URL must be https:// (its URL carries the webhook's secret signature)");
  }
  if ((env.NOTIFY_MAIL !== "off" || env.NOTIFY_TEAMS_WEBHOOK_URL) && !env.RECERT_PUBLIC_URL && !source.AUTH_URL)
    problems.push(
      "RECERT_PUBLIC_URL is required when notices are on: their links must reach this site (e.g. https://recert.example.com)",
    );
  if (env.NOTIFY_MAIL === "smtp" && !env.NOTIFY_SMTP_URL)
    problems.push(
      "NOTIFY_SMTP_URL is required when NOTIFY_MAIL=smtp (e.g. smtp://user:password@relay.example.com:587)",
    );
  if (problems.length) throw new EnvError(problems);
  return {
    ...env,
    AUTH_MICROSOFT_ENTRA_ID_ISSUER:
      env.AUTH_MICROSOFT_ENTRA_ID_ISSUER ?? `${env.ENTRA_AUTHORITY_HOST}/${env.ENTRA_TENANT_ID}/v2.0`,
    RECERT_APP_ID_URI: env.RECERT_APP_ID_URI ?? `api://${env.AUTH_MICROSOFT_ENTRA_ID_ID}`,
  };
}

/** An app's id needs exactly one credential, and a credential needs its id. */
function credentialProblems(
  prefix: string,
  what: string,
  id: string | undefined,
  secret: string | undefined,
  certificate: string | undefined,
): string[] {
  if (!id)
    return secret || certificate
      ? [`${prefix}_ID is required when ${prefix}_${secret ? "SECRET" : "CERTIFICATE"} is set (the ${what} needs both)`]
      : [];
  if (secret && certificate)
    return [
      `${prefix}_SECRET and ${prefix}_CERTIFICATE are both set: the ${what} uses one (a certificate is recommended)`,
    ];
  if (!secret && !certificate)
    return [`${prefix}_CERTIFICATE (recommended) or ${prefix}_SECRET is required when ${prefix}_ID is set`];
  return [];
}

let cached: Env | undefined;
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
