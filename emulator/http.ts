import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export interface Req {
  method: string;
  url: URL;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  raw: IncomingMessage;
}

export interface Res {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export async function readRequest(raw: IncomingMessage, base: string): Promise<Req> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of raw) {
    size += (c as Buffer).length;
    if (size > 5_000_000) throw new Error("request body too large");
    chunks.push(c as Buffer);
  }
  const url = new URL(raw.url ?? "/", base);
  return {
    method: raw.method ?? "GET",
    url,
    path: decodeURIComponent(url.pathname),
    headers: raw.headers,
    body: Buffer.concat(chunks).toString("utf8"),
    raw,
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Res {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(body),
  };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): Res {
  return { status, headers: { "content-type": "text/html; charset=utf-8", ...headers }, body };
}

export function redirect(location: string): Res {
  return { status: 302, headers: { location }, body: "" };
}

export function send(res: ServerResponse, r: Res): void {
  res.writeHead(r.status, r.headers);
  res.end(r.body);
}

export function formBody(req: Req): URLSearchParams {
  return new URLSearchParams(req.body);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Graph's error envelope, with the headers Graph sends. */
export function graphError(
  status: number,
  code: string,
  message: string,
  req?: Req,
  extraHeaders: Record<string, string> = {},
): Res {
  const requestId = randomUUID();
  const clientRequestId = (req?.headers["client-request-id"] as string | undefined) ?? requestId;
  return json(
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d{3}Z$/, ""),
          "request-id": requestId,
          "client-request-id": clientRequestId,
        },
      },
    },
    { "request-id": requestId, "client-request-id": clientRequestId, ...extraHeaders },
  );
}

/** Entra's token-endpoint error JSON. */
export function aadError(status: number, error: string, code: number, description: string): Res {
  const trace = randomUUID();
  const correlation = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: trace,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}
