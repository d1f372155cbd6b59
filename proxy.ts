import { NextResponse, type NextRequest } from "next/server";

/**
 * A fresh nonce per request and a strict Content-Security-Policy: scripts run only with this nonce (Next
 * puts it on its own bootstrap and chunks, and 'strict-dynamic' trusts what they load), never inline
 * from markup, never eval (except in `next dev`). Styles allow inline attributes (charts position
 * elements with style=""); that cannot run code. Responses that are not pages get the same policy.
 * HSTS is sent only when the request came over TLS (directly or through a proxy that says so).
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64");
  const dev = process.env.NODE_ENV === "development";
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  // A request id for the logs (lib/log): the load balancer's when it sends a sane one, else a new one; returned to the
  // client as x-request-id so a person can quote it.
  const given = request.headers.get("x-request-id");
  const requestId = given && /^[\w.:-]{1,128}$/.test(given) ? given : crypto.randomUUID();
  const headers = new Headers(request.headers);
  headers.set("x-request-id", requestId);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", csp);
  response.headers.set("x-request-id", requestId);
  // One JSON line per request (the access log; lib/log's format). Only the path: query strings can carry tokens.
  console.log(
    JSON.stringify({
      time: new Date().toISOString(),
      level: "info",
      msg: "request",
      requestId,
      method: request.method,
      path: request.nextUrl.pathname,
    }),
  );
  const https =
    request.nextUrl.protocol === "https:" ||
    request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
  if (https) response.headers.set("strict-transport-security", "max-age=63072000; includeSubDomains");
  return response;
}

export const config = {
  // Everything but static files (their policy comes from next.config.js).
  matcher: [{ source: "/((?!_next/static|_next/image|favicon.ico).*)" }],
};
