import { expect, test } from "@playwright/test";

test("GET /api/health answers JSON without a session and never leaks secrets", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body).toMatchObject({ status: "ok", database: { reachable: true }, graph: { configured: true } });
  const text = JSON.stringify(body);
  for (const secret of [
    process.env.AUTH_SECRET,
    "recert-demo-client-secret",
    "e2e-only-auth-secret",
    "recert:recert@",
  ]) {
    if (secret) expect(text).not.toContain(secret);
  }
  expect(res.headers()["cache-control"]).toContain("no-store");
});

test("every page is served with anti-framing and no-sniff headers", async ({ request }) => {
  const res = await request.get("/signin");
  expect(res.headers()["x-frame-options"]).toBe("DENY");
  expect(res.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(res.headers()["x-content-type-options"]).toBe("nosniff");
  expect(res.headers()["x-powered-by"]).toBeUndefined();
});
