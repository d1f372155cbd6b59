/**
 * What a notice looks like outside Recert (#18): a mail (HTML and plain-text parts) and a Teams Adaptive Card.
 *
 * Untrusted text (campaign names, display names: a guest chooses their own) is never markup:
 *   - in HTML every interpolated string is escaped;
 *   - in cards it goes into TextRun elements only, which Adaptive Cards render as plain text ("Markdown is not
 *     supported", learn.microsoft.com/adaptive-cards/schema-explorer/text-run); a TextBlock would interpret
 *     `[x](https://evil)` and `**` as Markdown (Teams: "Format cards in Teams");
 *   - subjects lose control characters (no header folding tricks), and links are only ever Recert paths.
 * Dark mode: the mail declares `color-scheme: light dark` and sets no page or text colours, so Outlook's dark mode
 * inverts it cleanly; the one coloured element (the button) keeps white on a mid blue, readable on both.
 */

export interface NoticeLike {
  id: string;
  kind: string;
  subject: string;
  body: string;
  link: string | null;
  createdAt: Date;
}

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** One line of plain text: control characters (CR, LF, ESC, …) become spaces. */
export function oneLine(s: string, max = 240): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    // Bidirectional overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) could make a
    // name read backwards.
    const bidi =
      (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x200e || c === 0x200f || c === 0x061c;
    out += c < 32 || c === 127 || (c >= 0x80 && c < 0xa0) || c === 0x2028 || c === 0x2029 || bidi ? " " : ch;
  }
  out = out.replace(/\s+/g, " ").trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** An absolute link into Recert: only a path of this site ("/reviews/…"), never a URL a notice's text could carry. */
export function recertLink(publicUrl: string, link: string | null): string {
  const path = link && /^\/(?!\/)[A-Za-z0-9/_\-.?=&%]*$/.test(link) ? link : "/reviews";
  return `${publicUrl}${path}`;
}

const KIND_LABEL: Record<string, string> = {
  assigned: "New review",
  stage: "Handed on to you",
  reminder: "Reminder",
  overdue: "Overdue",
  escalation: "Escalated to you",
  delegated: "Handed to you",
  closed: "Closed",
  applied: "Applied",
  "expiry-warning": "Access ending",
  "guest-deletion-warning": "Guest to be deleted",
};
export const kindLabel = (kind: string) => KIND_LABEL[kind] ?? "Notice";

/** One mail for one person: a single notice, or the day's digest of several (one mail across campaigns). */
export function renderMail(recipientName: string, notices: NoticeLike[], publicUrl: string): Rendered {
  const sorted = [...notices].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const subject =
    sorted.length === 1
      ? oneLine(sorted[0]!.subject, 200)
      : `Recert: ${sorted.length} notices about your access reviews`;
  const name = oneLine(recipientName, 120);
  const items = sorted.map((n) => ({
    label: kindLabel(n.kind),
    subject: oneLine(n.subject),
    body: oneLine(n.body, 600),
    url: recertLink(publicUrl, n.link),
  }));
  const text = [
    `Hello ${name},`,
    "",
    sorted.length === 1 ? "Recert has a notice for you:" : `Recert has ${sorted.length} notices for you:`,
    "",
    ...items.flatMap((i) => [`${i.label}: ${i.subject}`, i.body, `Open: ${i.url}`, ""]),
    `All your reviews: ${publicUrl}/reviews`,
    "You get this mail because you review access in Recert, or administer it. Notices also wait in Recert's inbox.",
  ].join("\n");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">
<title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5">
<p>Hello ${escapeHtml(name)},</p>
<p>${sorted.length === 1 ? "Recert has a notice for you:" : `Recert has ${sorted.length} notices for you:`}</p>
${items
  .map(
    (
      i,
    ) => `<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 20px 0">
<tr><td style="padding:0 0 4px 0;font-size:13px;text-transform:uppercase;letter-spacing:.04em">${escapeHtml(i.label)}</td></tr>
<tr><td style="padding:0 0 4px 0;font-weight:600">${escapeHtml(i.subject)}</td></tr>
<tr><td style="padding:0 0 10px 0">${escapeHtml(i.body)}</td></tr>
<tr><td><a href="${escapeHtml(i.url)}" style="display:inline-block;padding:8px 16px;border-radius:6px;background:#2563eb;color:#ffffff;text-decoration:none;font-weight:600">Open in Recert</a></td></tr>
</table>`,
  )
  .join("\n")}
<p><a href="${escapeHtml(`${publicUrl}/reviews`)}">All your reviews</a></p>
<p style="font-size:13px">You get this mail because you review access in Recert, or administer it. Notices also wait in Recert's inbox.</p>
</body></html>`;
  return { subject, text, html };
}

/** The message a Teams Workflows webhook takes ("Post to a channel when a webhook request is received"). */
export interface TeamsMessage {
  type: "message";
  attachments: {
    contentType: "application/vnd.microsoft.card.adaptive";
    contentUrl: null;
    content: Record<string, unknown>;
  }[];
}

const run = (text: string, extra: Record<string, unknown> = {}) => ({
  type: "RichTextBlock",
  inlines: [{ type: "TextRun", text, ...extra }],
});

/**
 * One card for one campaign event: the notice's title, then who it went to (names as TextRuns, never Markdown), and a
 * button to the page. `lines` are the per-person lines ("Rita Reviewer: 34 items to review by …").
 */
export function renderCard(title: string, summary: string, lines: string[], url: string): TeamsMessage {
  const shown = lines.slice(0, 10).map((l) => run(oneLine(l, 300)));
  if (lines.length > shown.length) shown.push(run(`… and ${lines.length - shown.length} more`, { isSubtle: true }));
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [run(oneLine(title, 200), { weight: "Bolder", size: "Medium" }), run(oneLine(summary, 600)), ...shown],
          actions: [{ type: "Action.OpenUrl", title: "Open in Recert", url }],
        },
      },
    ],
  };
}

/** The card's words as plain text, for the outbox's list and logs. */
export function cardText(m: TeamsMessage): string {
  const body = (m.attachments[0]?.content.body ?? []) as { inlines?: { text?: string }[] }[];
  return body.map((b) => (b.inlines ?? []).map((i) => i.text ?? "").join("")).join("\n");
}
