/**
 * A fixed-window rate limit per client, in this process (each app instance counts its own; behind several instances
 * the effective limit is that many times higher, which is still a limit). Used by the public /api/verify and the
 * evidence API. A global window beside the per-client one caps clients that rotate a spoofed X-Forwarded-For.
 */
export interface RateLimit {
  /** Whether one more request from `client` fits; when not, how many seconds until it does. */
  take(client: string, now?: number): { ok: true } | { ok: false; retryAfterS: number };
}

export function rateLimit(o: { perClient: number; global: number; windowMs: number }): RateLimit {
  let windowStart = 0;
  let total = 0;
  const counts = new Map<string, number>();
  return {
    take(client, now = Date.now()) {
      if (now - windowStart >= o.windowMs) {
        windowStart = now;
        total = 0;
        counts.clear();
      }
      const retryAfterS = Math.max(1, Math.ceil((windowStart + o.windowMs - now) / 1000));
      const mine = counts.get(client) ?? 0;
      if (mine >= o.perClient || total >= o.global) return { ok: false, retryAfterS };
      counts.set(client, mine + 1);
      total++;
      return { ok: true };
    },
  };
}

/** The caller's address as the nearest proxy reports it, else "direct" (route handlers do not see the socket). */
export function clientOf(req: Request): string {
  const forwarded = req.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || req.headers.get("x-real-ip") || "direct";
}

/** RFC 6585's answer to a client over its limit. */
export function tooManyRequests(retryAfterS: number): Response {
  return Response.json(
    { error: "too_many_requests", error_description: `Too many requests: try again in ${retryAfterS} s.` },
    { status: 429, headers: { "retry-after": String(retryAfterS), "cache-control": "no-store" } },
  );
}
