/**
 * Exchange Online behind Graph's `POST /users/{id | userPrincipalName}/sendMail`, as Recert's notices use it (#18).
 * What Microsoft documents (learn.microsoft.com/graph/api/user-sendmail):
 *   - application permission Mail.Send, nothing else ("Higher privileged permissions: Not available");
 *   - a JSON body `{ message, saveToSentItems }`, or MIME: the whole message base64-encoded, sent with
 *     `Content-Type: text/plain`; malformed base64 is a 400 "Invalid base64 string for MIME content.";
 *   - success is 202 Accepted with an empty body ("accepted", not yet delivered).
 * What Graph answers otherwise, as seen in the field:
 *   - a sender that is not a user: 404 ErrorInvalidUser "The requested user '…' is invalid.";
 *   - a user without an Exchange Online mailbox, which every guest is: 404 MailboxNotEnabledForRESTAPI "The mailbox is
 *     either inactive, soft-deleted, or is hosted on-premise." (microsoft-graph-docs-contrib#405);
 *   - an app scoped to other mailboxes by an Exchange application access policy (now "RBAC for Applications"): 403
 *     ErrorAccessDenied "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy
 *     settings.";
 *   - a From that is not the sender's mailbox: 403 ErrorSendAsDenied "The user account which was used to submit this
 *     request does not have the right to send mail on behalf of the specified sending account., Cannot submit
 *     message." (the docs' own example, microsoft-graph-docs-contrib#7446);
 *   - throttling (Outlook service limits: 10,000 requests per 10 minutes and 4 concurrent requests per mailbox): 429
 *     with Retry-After, injected here through the emulator's faults (pathPrefix "/users/…/sendMail").
 * Every accepted message is kept, readable at GET /_emulator/mail and on the /mailbox page.
 */
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import PostalMime from "postal-mime";
import { graphError, type Req, type Res } from "../http";
import type { EUser } from "../tenant/model";

/** One message Exchange accepted: the Graph message resource, plus what a reader of the mailbox page needs. */
export interface SentMail {
  id: string;
  /** The mailbox it was sent as (userPrincipalName). */
  sender: string;
  receivedDateTime: string;
  message: MSGraph.Message;
  text: string;
  html: string;
  /** The raw MIME when sent as MIME. */
  mime?: string;
}

export class MailStore {
  readonly sent: SentMail[] = [];
  /** Mailboxes an application access policy lets apps send as (lowercase UPNs); null = no policy. */
  allowedSenders: Set<string> | null = null;
  private seq = 0;

  clear(): void {
    this.sent.length = 0;
    this.allowedSenders = null;
  }

  nextId(): string {
    this.seq += 1;
    return `AAMk${Buffer.from(`emulator-mail-${this.seq}`).toString("base64url")}`;
  }
}

const addresses = (list: { address?: string | null; name?: string | null }[] | undefined) =>
  (list ?? []).map((a) => ({ emailAddress: { address: a.address ?? null, name: a.name ?? null } }));

/** The 202, or Graph's refusal. */
export async function sendMail(store: MailStore, sender: EUser | undefined, key: string, req: Req): Promise<Res> {
  if (!sender) return graphError(404, "ErrorInvalidUser", `The requested user '${key}' is invalid.`, req);
  if (sender.userType === "Guest" || !sender.mail)
    return graphError(
      404,
      "MailboxNotEnabledForRESTAPI",
      "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
      req,
    );
  if (store.allowedSenders && !store.allowedSenders.has(sender.userPrincipalName.toLowerCase()))
    return graphError(
      403,
      "ErrorAccessDenied",
      "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.",
      req,
    );
  const contentType = String(req.headers["content-type"] ?? "").toLowerCase();
  let message: MSGraph.Message;
  let text = "";
  let html = "";
  let mime: string | undefined;
  if (contentType.startsWith("text/plain")) {
    const b64 = req.body.replace(/\s+/g, "");
    if (!b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0)
      return graphError(400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.", req);
    mime = Buffer.from(b64, "base64").toString("utf8");
    const parsed = await PostalMime.parse(mime);
    if (!parsed.to?.length && !parsed.cc?.length && !parsed.bcc?.length)
      return graphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.", req);
    const fromAddress = parsed.from && "address" in parsed.from ? parsed.from.address : undefined;
    if (fromAddress && fromAddress.toLowerCase() !== sender.mail.toLowerCase()) return sendAsDenied(req);
    text = parsed.text ?? "";
    html = parsed.html ?? "";
    message = {
      subject: parsed.subject ?? "",
      internetMessageId: parsed.messageId ?? null,
      toRecipients: addresses((parsed.to ?? []).flatMap((a) => ("group" in a && a.group ? a.group : [a])) as never),
      body: html ? { contentType: "html", content: html } : { contentType: "text", content: text },
      internetMessageHeaders: parsed.headers
        .filter((h) => h.key.startsWith("x-"))
        .map((h) => ({ name: h.key, value: h.value })),
    } satisfies MSGraph.Message;
  } else {
    let body: { message?: MSGraph.Message; saveToSentItems?: boolean };
    try {
      body = JSON.parse(req.body || "{}") as typeof body;
    } catch {
      return graphError(400, "RequestBodyRead", "Invalid JSON body.", req);
    }
    const m = body.message;
    if (!m || typeof m !== "object")
      return graphError(400, "ErrorInvalidRequest", "The message parameter is required.", req);
    const all = [...(m.toRecipients ?? []), ...(m.ccRecipients ?? []), ...(m.bccRecipients ?? [])];
    if (all.length === 0 || all.some((r) => !r?.emailAddress?.address))
      return graphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.", req);
    const from = m.from?.emailAddress?.address;
    if (from && from.toLowerCase() !== sender.mail.toLowerCase()) return sendAsDenied(req);
    message = {
      subject: m.subject ?? "",
      toRecipients: m.toRecipients ?? [],
      body: m.body ?? { contentType: "text", content: "" },
      internetMessageHeaders: m.internetMessageHeaders ?? [],
    } satisfies MSGraph.Message;
    if (message.body?.contentType === "html") html = message.body.content ?? "";
    else text = message.body?.content ?? "";
  }
  const id = store.nextId();
  const from = { emailAddress: { address: sender.mail, name: sender.displayName } } satisfies MSGraph.Recipient;
  store.sent.push({
    id,
    sender: sender.userPrincipalName,
    receivedDateTime: new Date().toISOString(),
    message: { ...message, id, from, sender: from } satisfies MSGraph.Message,
    text,
    html,
    ...(mime ? { mime } : {}),
  });
  return { status: 202, headers: {}, body: "" };
}

function sendAsDenied(req: Req): Res {
  return graphError(
    403,
    "ErrorSendAsDenied",
    "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.",
    req,
  );
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/** The demo's mailbox page: every message the emulator accepted, newest first, as plain text (nothing is rendered). */
export function mailboxPage(store: MailStore): string {
  const rows = [...store.sent]
    .reverse()
    .map((m) => {
      const to = (m.message.toRecipients ?? []).map((r) => r.emailAddress?.address ?? "").join(", ");
      return `<article><h2>${esc(m.message.subject ?? "")}</h2><p class="meta">From ${esc(m.sender)} to ${esc(to)} · ${esc(m.receivedDateTime)}</p><pre>${esc(m.text || m.html)}</pre></article>`;
    })
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Emulator mailbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;color:#0f172a}
article{border:1px solid #cbd5e1;border-radius:.5rem;padding:1rem;margin:1rem 0}h2{font-size:1.05rem;margin:0}
.meta{color:#475569;margin:.25rem 0 .75rem}pre{white-space:pre-wrap;font:inherit;margin:0}</style></head>
<body><h1>Mail sent through the emulator's Graph</h1><p>${store.sent.length} message(s). What Recert sent with <code>POST /users/{sender}/sendMail</code>; the same list is at <code>GET /_emulator/mail</code>.</p>
${rows || "<p>No mail yet.</p>"}</body></html>`;
}
