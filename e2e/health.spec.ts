import { expect, test } from "@playwright/test";
import { ACCOUNTS, E2E_METRICS_TOKEN, expectSignedInAs, signIn } from "./support";

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

test("GET /api/metrics answers only its bearer token, in Prometheus text", async ({ request, page }) => {
  // No token, a wrong one, a token of the right length, and an admin's session cookie: no figures.
  expect((await request.get("/api/metrics")).status()).toBe(401);
  expect((await request.get("/api/metrics", { headers: { authorization: "Bearer not-the-token" } })).status()).toBe(
    401,
  );
  const sameLength = "x".repeat(E2E_METRICS_TOKEN.length);
  expect((await request.get("/api/metrics", { headers: { authorization: `Bearer ${sameLength}` } })).status()).toBe(
    401,
  );
  await signIn(page, ACCOUNTS.admin);
  await expectSignedInAs(page, ACCOUNTS.admin, "Admin");
  const withSession = await page.request.get("/api/metrics");
  expect(withSession.status()).toBe(401);
  expect(await withSession.text()).not.toContain("recert_");

  const res = await request.get("/api/metrics", { headers: { authorization: `Bearer ${E2E_METRICS_TOKEN}` } });
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toContain("text/plain; version=0.0.4");
  expect(res.headers()["cache-control"]).toContain("no-store");
  const text = await res.text();
  for (const name of [
    "recert_sync_last_success_age_seconds",
    "recert_notify_outbox_messages",
    "recert_campaigns_overdue",
    "recert_sync_last_graph_requests",
  ])
    expect(text).toMatch(new RegExp(`^${name}[{ ]`, "m"));
});

test("every response carries a request id: the caller's when it is sane, else a new one", async ({ request }) => {
  const fresh = await request.get("/api/health");
  expect(fresh.headers()["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  const given = await request.get("/api/health", { headers: { "x-request-id": "lb-1234.abc:7" } });
  expect(given.headers()["x-request-id"]).toBe("lb-1234.abc:7");
  // Not echoed: a value that would break a log line or a header.
  const hostile = await request.get("/api/health", { headers: { "x-request-id": 'x"}, {"level":"error' } });
  expect(hostile.headers()["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
});
