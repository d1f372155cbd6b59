import { describe, expect, it } from "vitest";
import { clientOf, rateLimit, tooManyRequests } from "./rate-limit";

describe("rate limit", () => {
  it("lets each client through up to its limit per window, then says when to come back", () => {
    const l = rateLimit({ perClient: 3, global: 100, windowMs: 60_000 });
    const t0 = 1_000_000;
    expect([1, 2, 3].map(() => l.take("a", t0).ok)).toEqual([true, true, true]);
    expect(l.take("a", t0 + 15_000)).toEqual({ ok: false, retryAfterS: 45 });
    expect(l.take("b", t0 + 15_000).ok).toBe(true); // another client is not held back
    expect(l.take("a", t0 + 60_000).ok).toBe(true); // a new window
  });

  it("caps everyone together, so rotating a spoofed X-Forwarded-For does not escape it", () => {
    const l = rateLimit({ perClient: 5, global: 10, windowMs: 60_000 });
    const results = Array.from({ length: 15 }, (_, i) => l.take(`10.0.0.${i}`, 5).ok);
    expect(results.filter(Boolean)).toHaveLength(10);
  });

  it("keys on the nearest proxy's client address and answers 429 with Retry-After", async () => {
    expect(clientOf(new Request("http://x/", { headers: { "x-forwarded-for": "203.0.113.9, 10.0.0.1" } }))).toBe(
      "203.0.113.9",
    );
    expect(clientOf(new Request("http://x/"))).toBe("direct");
    const r = tooManyRequests(7);
    expect([r.status, r.headers.get("retry-after")]).toEqual([429, "7"]);
    expect(((await r.json()) as { error: string }).error).toBe("too_many_requests");
  });
});
