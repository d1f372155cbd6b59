/**
 * Real local receivers for notice tests (#18): an SMTP server (smtp-server, the Nodemailer project's) that parses what
 * it accepts (postal-mime), and an HTTP endpoint standing in for a Teams Workflows webhook. Both can be told to refuse
 * the next requests (SMTP 4xx/5xx replies, HTTP 429 with Retry-After) and to answer slowly.
 */
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import type { AddressInfo } from "node:net";
import PostalMime from "postal-mime";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  recertId: string;
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
}

export const SMTP_USER = "recert";
export const SMTP_PASSWORD = "relay-secret";

export async function startSmtp(o: { replyDelayMs?: number } = {}) {
  const received: ReceivedMail[] = [];
  /** Replies for the next messages, instead of accepting them (e.g. { code: 451 }). */
  const refuse: { code: number; message?: string }[] = [];
  /** gate: hold every reply until that many sessions have been open at once (two senders really overlapping). */
  const state = { replyDelayMs: o.replyDelayMs ?? 0, gate: 0, open: 0, peak: 0, refuseSender: false };
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onConnect(_session, cb) {
      state.open++;
      state.peak = Math.max(state.peak, state.open);
      cb();
    },
    onClose() {
      state.open--;
    },
    onMailFrom(_address, _session, cb) {
      // Office 365's answer to a sender the account may not send as.
      if (state.refuseSender)
        return cb(
          Object.assign(new Error(`5.7.60 SMTP; Client does not have permissions to send as this sender`), {
            responseCode: 550,
          }),
        );
      cb();
    },
    onAuth(auth, _session, cb) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) cb(null, { user: auth.username });
      else cb(Object.assign(new Error("Authentication credentials invalid"), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        void (async () => {
          const next = refuse.shift();
          if (next) return cb(Object.assign(new Error(next.message ?? "Try again later"), { responseCode: next.code }));
          const raw = Buffer.concat(chunks).toString("utf8");
          const p = await PostalMime.parse(raw);
          // Queued now, as a real relay queues before it answers: a client that dies before the reply has still sent it.
          received.push({
            recertId: p.headers.find((h) => h.key === "x-recert-message-id")?.value ?? "",
            messageId: p.messageId ?? "",
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: p.subject ?? "",
            text: p.text ?? "",
            html: p.html ?? "",
            raw,
          });
          const deadline = Date.now() + 15_000;
          while (state.gate > 0 && state.peak < state.gate && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 10));
          setTimeout(() => cb(), state.replyDelayMs);
        })();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${port}`,
    received,
    refuse,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startWebhook() {
  const received: unknown[] = [];
  const refuse: { status: number; retryAfterS?: number }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const next = refuse.shift();
      if (next) {
        res.writeHead(next.status, next.retryAfterS !== undefined ? { "retry-after": String(next.retryAfterS) } : {});
        return res.end(JSON.stringify({ error: { code: "TooManyRequests", message: "Slow down" } }));
      }
      if (req.method !== "POST" || !String(req.headers["content-type"]).startsWith("application/json")) {
        res.writeHead(400);
        return res.end();
      }
      try {
        received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        res.writeHead(400);
        return res.end();
      }
      // A Workflows trigger answers 202 Accepted.
      res.writeHead(202);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/workflows/triggers/manual/run?sig=secret`,
    received,
    refuse,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A relay that takes a whole message and then drops the line without answering (RFC 1047's case): the client cannot
 * know whether the message was queued.
 */
export async function startDroppingSmtp() {
  const state = { dataReceived: 0 };
  const server = createTcpServer((socket) => {
    socket.write("220 drop.example ESMTP\r\n");
    let buf = "";
    let inData = false;
    socket.on("error", () => undefined);
    socket.on("data", (d: Buffer) => {
      buf += d.toString("utf8");
      for (;;) {
        if (inData) {
          const end = buf.indexOf("\r\n.\r\n");
          if (end < 0) return;
          state.dataReceived++;
          socket.destroy();
          return;
        }
        const nl = buf.indexOf("\r\n");
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (/^EHLO/i.test(line)) socket.write("250-drop.example\r\n250 8BITMIME\r\n");
        else if (/^DATA/i.test(line)) {
          inData = true;
          socket.write("354 go ahead\r\n");
        } else if (/^QUIT/i.test(line)) socket.end("221 bye\r\n");
        else socket.write("250 ok\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    get dataReceived() {
      return state.dataReceived;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
