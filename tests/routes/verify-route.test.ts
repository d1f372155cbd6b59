/**
 * POST /api/verify, called as Next calls it (#17): it fails closed when the installation's signing certificate
 * cannot be loaded (it used to drop the check and call any correctly signed file "valid"), refuses a body past the
 * limit, and rate-limits a client.
 */
import { afterEach, describe, expect, it } from "vitest";
import { forgetSigningIdentities } from "@/lib/signing/identity";
import { POST } from "@/app/api/verify/route";

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  POST(
    new Request("http://localhost/api/verify", {
      method: "POST",
      body,
      headers: { "x-forwarded-for": "198.51.100.7", ...headers },
    }),
  );

afterEach(() => {
  delete process.env.REPORT_SIGNING_P12;
  forgetSigningIdentities();
});

describe("POST /api/verify", () => {
  it("answers 503, and no verdict, when the signing certificate cannot be loaded", async () => {
    process.env.REPORT_SIGNING_P12 = "/nonexistent/recert-signing.p12";
    const form = new FormData();
    form.set("file", new File([Buffer.from("%PDF-1.7\n")], "r.pdf"));
    const r = await post(form);
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: string }).error).toMatch(/signing certificate cannot be loaded/);
  });

  it("refuses a declared body over 64 MB before reading it, and rate-limits one client to 20 checks a minute", async () => {
    expect((await post("x", { "content-length": String(65 * 1024 * 1024) })).status).toBe(413);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await post("not a form", { "x-forwarded-for": "192.0.2.44" })).status);
    expect(statuses.slice(0, 20).every((s) => s === 400)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429, 429]);
  });
});
