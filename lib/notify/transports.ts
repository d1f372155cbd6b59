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
import SMTPConnection from "nodemailer/lib/smtp-connection";
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

/**
 * retry: try again later (else "failed"); throttled: stop this channel for the rest of the pass (the relay, the
 * mailbox or the app is the problem, not this message); unconfirmed: the message may have gone out (the connection
 * broke after it was sent), so it is never sent again on its own.
 */
export type Outcome =
  | { ok: true }
  | { ok: false; retry: boolean; retryAfterMs?: number; throttled?: boolean; unconfirmed?: boolean; error: string };

/** Connection errors that happen before anything was sent: safe to retry. */
const BEFORE_SENDING =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|CONNECT_TIMEOUT|Connect Timeout|CERT_|ERR_TLS|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_VERIFY|certificate|self[- ]signed/i;

export type Transport = (m: OutgoingMessage) => Promise<Outcome>;

export interface Transports {
  mail?: { name: "graph" | "smtp"; send: Transport; perMinute: number; close?: () => void };
  teams?: { name: "teams"; send: Transport };
}

const messageId = (m: OutgoingMessage) => `<${m.id}@recert.invalid>`;

function mimeOf(from: string, m: OutgoingMessage): Promise<Buffer> {
  return new MailComposer({
    from,
    to: { name: "", address: m.address },
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
      return graphOutcome(r.status, err?.code ?? "", err?.message ?? "");
    } catch (e) {
      const g = e instanceof GraphRetryBudgetError ? e.lastError : e instanceof GraphError ? e : undefined;
      if (g)
        return graphOutcome(
          g.status,
          g.code,
          g.message,
          g.retryAfterS !== undefined ? g.retryAfterS * 1000 : undefined,
        );
      // No token (the write app missing or refused) or no connection configured: an admin must act; the channel waits.
      return { ok: false, retry: true, throttled: true, error: (e as Error).message };
    }
  };
}

/**
 * What a Graph answer means for one message. The sender's own problems (Mail.Send withdrawn, an access policy, a
 * sender mailbox that does not exist) are the channel's: it pauses and the messages wait, rather than every one of
 * them failing. A lost answer (network error, 504) may hide a sent message: unconfirmed.
 */
function graphOutcome(status: number, code: string, message: string, retryAfterMs?: number): Outcome {
  const error = `Graph answered ${status || "nothing"} ${code}: ${message}`.trim();
  if (code === "networkError" || status === 0)
    return BEFORE_SENDING.test(message)
      ? { ok: false, retry: true, throttled: true, error }
      : { ok: false, retry: false, unconfirmed: true, error };
  if (status === 504) return { ok: false, retry: false, unconfirmed: true, error };
  if (status === 429 || status >= 500)
    return { ok: false, retry: true, throttled: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), error };
  if (
    status === 401 ||
    status === 403 ||
    code === "ErrorInvalidUser" ||
    code === "MailboxNotEnabledForRESTAPI" ||
    code === "ErrorSendAsDenied"
  )
    return { ok: false, retry: true, throttled: true, error };
  return { ok: false, retry: false, error };
}

/**
 * One SMTP session per message through Nodemailer's SMTPConnection (STARTTLS when the relay offers it, smtps:// for
 * TLS from the start), so the stage of a failure is known: failing to connect or to log in is the relay's problem
 * (the channel waits, nothing was sent); a connection lost during the mail transaction may have left the message
 * queued at the relay (RFC 1047): unconfirmed.
 */
export function smtpTransport(channel: Extract<MailChannel, { transport: "smtp" }>): {
  send: Transport;
  close: () => void;
} {
  const u = new URL(channel.url);
  const secure = u.protocol === "smtps:";
  const options: SMTPConnection.Options = {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  };
  const auth = u.username
    ? { credentials: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } }
    : undefined;
  // Credentials never cross the network in clear: over smtp:// with a login, STARTTLS is required (a relay on this
  // machine excepted), so a man in the middle who strips STARTTLS gets an error, not the password.
  const loopback = ["localhost", "127.0.0.1", "::1"].includes(options.host ?? "");
  options.requireTLS = !secure && Boolean(auth) && !loopback;
  return {
    close: () => undefined,
    send: async (m) => {
      const conn = new SMTPConnection(options);
      // A dropped connection is reported as an "error" or "end" event, not always through the pending callback.
      let broken: ((e: Error) => void) | undefined;
      conn.on("error", (e) => broken?.(e));
      conn.on("end", () =>
        broken?.(Object.assign(new Error("Connection closed unexpectedly"), { code: "ECONNECTION" })),
      );
      const step = (run: (done: (err?: Error | null) => void) => void) =>
        new Promise<void>((resolve, reject) => {
          broken = reject;
          run((err) => (err ? reject(err) : resolve()));
        });
      let stage: "connect" | "transaction" = "connect";
      try {
        await step((done) => conn.connect(done));
        if (auth) await step((done) => conn.login(auth.credentials, done));
        const mime = await mimeOf(channel.from, m);
        stage = "transaction";
        await step((done) => conn.send({ from: channel.from, to: [m.address] }, mime, (err) => done(err)));
        broken = undefined;
        conn.quit();
        return { ok: true };
      } catch (e) {
        broken = undefined;
        conn.close();
        const err = e as { responseCode?: number; response?: string; code?: string; message?: string };
        if (typeof err.responseCode === "number") {
          const error = `The SMTP relay answered ${err.response ?? err.responseCode}`;
          // The relay refusing the session or the sender (greeting, EHLO, AUTH, MAIL FROM: e.g. 421, 535, Office 365's
          // 550 5.7.60 send-as refusal) is true of every message: the channel waits. Only answers to RCPT TO and DATA
          // are about this message.
          const command = String((e as { command?: string }).command ?? "");
          if (stage === "connect" || /^(MAIL|AUTH|EHLO|HELO|CONN|STARTTLS)/i.test(command) || err.responseCode === 421)
            return { ok: false, retry: true, throttled: true, error };
          return { ok: false, retry: err.responseCode < 500, error };
        }
        const error = `SMTP: ${err.code ?? ""} ${err.message ?? String(e)}`.trim();
        return stage === "transaction"
          ? { ok: false, retry: false, unconfirmed: true, error }
          : { ok: false, retry: true, throttled: true, error };
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
      // 401/403/404: the flow was deleted or its URL changed, true of every message: the channel waits.
      const channelFault = [401, 403, 404].includes(res.status);
      return {
        ok: false,
        retry: res.status === 429 || res.status >= 500 || channelFault,
        throttled: res.status === 429 || res.status >= 500 || channelFault,
        ...(Number.isFinite(after) && after >= 0 ? { retryAfterMs: after * 1000 } : {}),
        error: `The Teams webhook answered ${res.status}${body ? `: ${body}` : ""}`,
      };
    } catch (e) {
      const message =
        (e as Error & { cause?: { code?: string; message?: string } }).cause?.code ?? (e as Error).message;
      const error = `The Teams webhook could not be reached: ${message}`;
      // Refused before anything was sent: retry; a timeout or a reset may hide a posted card: unconfirmed.
      return BEFORE_SENDING.test(message)
        ? { ok: false, retry: true, throttled: true, error }
        : { ok: false, retry: false, unconfirmed: true, error };
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
