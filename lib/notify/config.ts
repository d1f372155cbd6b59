/**
 * Which notice channels this installation uses (#18), from the environment (lib/env): mail through Graph's sendMail
 * or an SMTP relay, and a Teams channel's Workflows webhook. Campaigns can turn either off for themselves
 * (CampaignConfig.notify); the in-app inbox is always on.
 */
import type { Env } from "@/lib/env";

export type MailChannel =
  | { transport: "graph"; from: string; perMinute: number }
  | { transport: "smtp"; from: string; url: string; perMinute: number };

export interface NotifyConfig {
  mail: MailChannel | null;
  teams: { webhookUrl: string } | null;
  /** Where links in notices point: RECERT_PUBLIC_URL, else Auth.js's AUTH_URL, else this host's port. */
  publicUrl: string;
}

type NotifyEnv = Pick<
  Env,
  "NOTIFY_MAIL" | "NOTIFY_MAIL_FROM" | "NOTIFY_SMTP_URL" | "NOTIFY_TEAMS_WEBHOOK_URL" | "NOTIFY_MAIL_PER_MINUTE"
> & { RECERT_PUBLIC_URL?: string | undefined };

export function notifyConfig(e: NotifyEnv, processEnv: Record<string, string | undefined> = process.env): NotifyConfig {
  const from = e.NOTIFY_MAIL_FROM ?? "";
  const perMinute = e.NOTIFY_MAIL_PER_MINUTE;
  const mail: MailChannel | null =
    e.NOTIFY_MAIL === "graph"
      ? { transport: "graph", from, perMinute }
      : e.NOTIFY_MAIL === "smtp"
        ? { transport: "smtp", from, url: e.NOTIFY_SMTP_URL ?? "", perMinute }
        : null;
  // AUTH_URL may name Auth.js's base path (…/api/auth): links go to the site's root.
  const publicUrl = (
    e.RECERT_PUBLIC_URL ??
    processEnv.AUTH_URL?.replace(/\/api\/auth\/?$/, "") ??
    `http://localhost:${processEnv.PORT ?? "3000"}`
  ).replace(/\/+$/, "");
  return {
    mail,
    teams: e.NOTIFY_TEAMS_WEBHOOK_URL ? { webhookUrl: e.NOTIFY_TEAMS_WEBHOOK_URL } : null,
    publicUrl,
  };
}

/** What Settings shows: never the SMTP password or the webhook's secret signature. */
export function describeChannels(c: NotifyConfig): { mail: string; teams: string } {
  let mail = "Off (in-app inbox only)";
  if (c.mail?.transport === "graph") mail = `Microsoft Graph sendMail as ${c.mail.from}`;
  if (c.mail?.transport === "smtp") {
    let host = "(invalid URL)";
    try {
      const u = new URL(c.mail.url);
      host = `${u.protocol}//${u.host}`;
    } catch {}
    mail = `SMTP relay ${host} as ${c.mail.from}`;
  }
  let teams = "Off";
  if (c.teams) {
    try {
      teams = `Workflows webhook at ${new URL(c.teams.webhookUrl).host}`;
    } catch {
      teams = "Workflows webhook (invalid URL)";
    }
  }
  return { mail, teams };
}
