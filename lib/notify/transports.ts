/**
 * How one outbox message leaves (#18), and what each refusal means for it: retry later (and when), or give up.
 *
 * - Graph: `POST /users/{sender}/sendMail` with the message as MIME (base64, `Content-Type: text/plain`), so the
 *   HTML and plain-text parts arrive as built (learn.microsoft.com/graph/api/user-sendmail). 202 = accepted. 429 and
 *   503/504 are retried after Graph's Retry-After (Outlook service limits: 10,000 requests per 10 minutes and four
 *   concurrent requests per mailbox; Graph throttling guidance); 401/403/404 and other 4xx are permanent (a missing
 *   Mail.Send, a sender mailbox that does not exist or that an application access policy excludes).
 * - SMTP (nodemailer): 4xx replies are transient by RFC 5321 §4.2.1 and retried; 5xx are permanent; a dropped or
 *   refused connection is retried.
 * - Teams (Workflows webhook): 2xx = posted; 429 and 5xx are retried (after Retry-After if given); other 4xx are
 *   permanent (a deleted flow answers 404).
 * Every message carries its outbox id as Message-ID and X-Recert-Message-Id, so a receiver can tell a repeat.
 */
import MailComposer from "nodemailer/lib/mail-composer";
import nodemailer from "nodemailer";
import { type GraphClient, GraphError, GraphRetryBudgetError } from "@/lib/graph";
import type { MailChannel, NotifyConfig } from "./config";

export interface OutgoingMessage {
  id: string;
  channel: string;
  address: string;
  subject: string;
  text: string;
  html: string | null;
  card: string | null;
}

export type Outcome =
  | { ok: true }
  | { ok: false; retry: boolean; retryAfterMs?: number; throttled?: boolean; error: string };

export type Transport = (m: OutgoingMessage) => Promise<Outcome>;

export interface Transports {
  mail?: { name: "graph" | "smtp"; send: Transport; perMinute: number; close?: () => void };
  teams?: { name: "teams"; send: Transport };
}

const messageId = (m: OutgoingMessage) => `<${m.id}@recert.invalid>`;

function mimeOf(from: string, m: OutgoingMessage): Promise<Buffer> {
  return new MailComposer({
    from,
    to: m.address,
    subject: m.subject,
    text: m.text,
    ...(m.html ? { html: m.html } : {}),
    messageId: messageId(m),
    headers: { "X-Recert-Message-Id": m.id },
  })
    .compile()
    .build();
}

export function graphMailTransport(
  graph: () => GraphClient,
  channel: Extract<MailChannel, { transport: "graph" }>,
): Transport {
  return async (m) => {
    try {
      const mime = await mimeOf(channel.from, m);
      const r = await graph().send(
        "POST",
        `/users/${encodeURIComponent(channel.from)}/sendMail`,
        mime.toString("base64"),
        {
          "Content-Type": "text/plain",
        },
      );
      if (r.status === 202 || r.status === 200) return { ok: true };
      const err = (r.body as { error?: { code?: string; message?: string } } | undefined)?.error;
      const text = `Graph answered ${r.status} ${err?.code ?? ""}: ${err?.message ?? ""}`.trim();
      return { ok: false, retry: r.status >= 500 || r.status === 429, error: text };
    } catch (e) {
      const g = e instanceof GraphRetryBudgetError ? e.lastError : e instanceof GraphError ? e : undefined;
      if (g) {
        const retry = g.status === 0 || g.status === 429 || g.status >= 500;
        return {
          ok: false,
          retry,
          throttled: g.status === 429,
          ...(g.retryAfterS !== undefined ? { retryAfterMs: g.retryAfterS * 1000 } : {}),
          error: `Graph answered ${g.status || "no response"} ${g.code}: ${g.message}`,
        };
      }
      // No token (the write app missing or refused) or no connection configured: an admin must act, keep retrying.
      return { ok: false, retry: true, error: (e as Error).message };
    }
  };
}

export function smtpTransport(channel: Extract<MailChannel, { transport: "smtp" }>): {
  send: Transport;
  close: () => void;
} {
  const transporter = nodemailer.createTransport(channel.url, {
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });
  return {
    close: () => transporter.close(),
    send: async (m) => {
      try {
        await transporter.sendMail({
          from: channel.from,
          to: m.address,
          subject: m.subject,
          text: m.text,
          ...(m.html ? { html: m.html } : {}),
          messageId: messageId(m),
          headers: { "X-Recert-Message-Id": m.id },
        });
        return { ok: true };
      } catch (e) {
        const err = e as { responseCode?: number; response?: string; code?: string; message?: string };
        if (typeof err.responseCode === "number")
          return {
            ok: false,
            retry: err.responseCode < 500,
            // 421: the relay is closing the channel (too many connections or messages): stop for this pass.
            throttled: err.responseCode === 421,
            error: `The SMTP relay answered ${err.response ?? err.responseCode}`,
          };
        return { ok: false, retry: true, error: `SMTP: ${err.code ?? ""} ${err.message ?? String(e)}`.trim() };
      }
    },
  };
}

export function teamsTransport(webhookUrl: string): Transport {
  return async (m) => {
    try {
      const res = await fetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: m.card ?? "{}",
        signal: AbortSignal.timeout(60_000),
        redirect: "error",
      });
      if (res.ok) return { ok: true };
      const after = Number(res.headers.get("retry-after"));
      const body = (await res.text().catch(() => "")).slice(0, 300);
      return {
        ok: false,
        retry: res.status === 429 || res.status >= 500,
        throttled: res.status === 429,
        ...(Number.isFinite(after) && after >= 0 ? { retryAfterMs: after * 1000 } : {}),
        error: `The Teams webhook answered ${res.status}${body ? `: ${body}` : ""}`,
      };
    } catch (e) {
      return { ok: false, retry: true, error: `The Teams webhook could not be reached: ${(e as Error).message}` };
    }
  };
}

/** The transports this installation has. `graph` is the write app's client (only the scheduler holds it). */
export function transportsFor(cfg: NotifyConfig, graph: () => GraphClient): Transports {
  const t: Transports = {};
  if (cfg.mail?.transport === "graph")
    t.mail = { name: "graph", send: graphMailTransport(graph, cfg.mail), perMinute: cfg.mail.perMinute };
  if (cfg.mail?.transport === "smtp") {
    const s = smtpTransport(cfg.mail);
    t.mail = { name: "smtp", send: s.send, close: s.close, perMinute: cfg.mail.perMinute };
  }
  if (cfg.teams) t.teams = { name: "teams", send: teamsTransport(cfg.teams.webhookUrl) };
  return t;
}
