/**
 * The production path under test (#16): the emulator serves https with a local CA, and `npm run sync` reaches it
 * with certificate checks on, trusting that CA only through NODE_EXTRA_CA_CERTS; without it the same sync fails on
 * the certificate. No http-only allowance is active: the authority and Graph are https URLs.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { setup } from "@/tests/support/emulator-fixture";

const tlsDir = mkdtempSync(path.join(tmpdir(), "recert-tls-"));
let ctx: Awaited<ReturnType<typeof setup>>;
beforeAll(async () => {
  ctx = await setup({ users: 80, https: { tlsDir } });
});
afterAll(async () => {
  await ctx?.close();
});

const root = path.resolve(import.meta.dirname, "..");

function sync(extra: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/sync.ts", "--json"],
      {
        cwd: root,
        env: ctx.cliEnv(extra),
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("the emulator speaks https with a certificate for localhost from its local CA", async () => {
  expect(ctx.emu.url).toMatch(/^https:\/\/localhost:\d+$/);
  const { readFileSync } = await import("node:fs");
  const ca = readFileSync(path.join(tlsDir, "ca.pem"));
  const meta = await new Promise<{ issuer: string; token_endpoint: string }>((resolve, reject) => {
    request(`${ctx.emu.url}/${ctx.tenantId}/v2.0/.well-known/openid-configuration`, { ca }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => (body += b.toString()));
      res.on("end", () => resolve(JSON.parse(body)));
    })
      .on("error", reject)
      .end();
  });
  expect(meta.issuer).toBe(`${ctx.emu.url}/${ctx.tenantId}/v2.0`);
  expect(meta.token_endpoint).toMatch(/^https:/);
});

test("npm run sync over https succeeds when the CA is trusted through NODE_EXTRA_CA_CERTS, and fails without it", async () => {
  const ok = await sync({ NODE_EXTRA_CA_CERTS: path.join(tlsDir, "ca.pem") });
  expect(ok.code, ok.stderr).toBe(0);
  expect(JSON.parse(ok.stdout.trim().split("\n").pop()!)).toMatchObject({ status: "succeeded" });
  expect(await ctx.db.dirUser.count({ where: { tenantId: ctx.tenantId } })).toBe(ctx.emu.tenant.users.length);

  const refused = await sync({});
  expect(refused.code).not.toBe(0);
  expect(refused.stdout + refused.stderr).toMatch(/certificate|self.signed|UNABLE_TO_VERIFY|unable to verify/i);
});
