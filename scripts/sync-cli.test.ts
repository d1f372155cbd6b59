import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { setup } from "@/tests/support/emulator-fixture";

let ctx: Awaited<ReturnType<typeof setup>>;
beforeAll(async () => {
  ctx = await setup({ users: 120 });
});
afterAll(async () => {
  await ctx?.close();
});

const root = path.resolve(import.meta.dirname, "..");

function cli(
  args: string[],
  extra: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/sync.ts", ...args],
      { cwd: root, env: ctx.cliEnv(extra) },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("npm run sync -- --json prints one summary object and exits 0; never the secret", async () => {
  const r = await cli(["--json"]);
  expect(r.stderr).not.toContain(ctx.emu.config.clientSecret);
  expect(r.stdout).not.toContain(ctx.emu.config.clientSecret);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  const s = JSON.parse(lines[0]!) as {
    status: string;
    counts: Record<string, number>;
    requests: number;
    retries: number;
    durationMs: number;
    mode: Record<string, string>;
  };
  const summary = await ctx.control("GET", "/summary");
  expect(s.status).toBe("succeeded");
  expect(s.counts.users).toBe(summary.users);
  expect(s.counts.memberships).toBe(summary.memberships);
  expect(s.requests).toBeGreaterThan(0);
  expect(typeof s.durationMs).toBe("number");
  expect(s.mode).toEqual({ users: "full", groups: "full" });

  const again = await cli(["--json"]);
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout).mode).toEqual({ users: "delta", groups: "delta" });
  const full = await cli(["--full"]);
  expect(full.code).toBe(0);
  expect(full.stdout).toMatch(/Sync succeeded/);
}, 60_000);

test("exits non-zero when a sync is already running, and on failure", async () => {
  const now = new Date();
  await ctx.db.syncLock.create({
    data: { tenantId: ctx.tenantId, runId: "11111111-1111-4111-8111-111111111111", acquiredAt: now, heartbeatAt: now },
  });
  const busy = await cli(["--json"]);
  expect(busy.code).toBe(3);
  expect(JSON.parse(busy.stdout)).toMatchObject({
    status: "already-running",
    runningRunId: "11111111-1111-4111-8111-111111111111",
  });
  await ctx.db.syncLock.deleteMany({});

  const bad = await cli(["--json"], { ENTRA_TENANT_ID: "not-a-guid" });
  expect(bad.code).toBe(2);
  expect(bad.stdout + bad.stderr).not.toContain(ctx.emu.config.clientSecret);
}, 60_000);

test("a failing connection pauses scheduled syncs with its reason (exit 4); --force runs and re-checks; Disconnect stops even --force", async () => {
  const expire = (expired: boolean) =>
    ctx.control("POST", `/apps/${ctx.emu.config.clientId}/secret-expired`, { expired });
  await expire(true);
  try {
    const failed = await cli(["--json"]);
    expect(failed.code).toBe(1);
    const paused = await cli(["--json"]);
    expect(paused.code).toBe(4);
    expect(JSON.parse(paused.stdout)).toMatchObject({
      status: "paused",
      reason: expect.stringContaining("The client secret has expired"),
    });
    const human = await cli([]);
    expect(human.stderr).toMatch(/Sync paused: .*expired.*--force runs it anyway/s);
  } finally {
    await expire(false);
  }
  // Still paused: the last check said so. A forced run works and re-checks, which resumes the schedule.
  expect((await cli(["--json"])).code).toBe(4);
  expect((await cli(["--json", "--force"])).code).toBe(0);
  expect((await cli(["--json"])).code).toBe(0);

  await ctx.db.appSetting.upsert({
    where: { key: "connection.state" },
    create: { key: "connection.state", value: JSON.stringify({ disconnected: true, at: new Date().toISOString() }) },
    update: { value: JSON.stringify({ disconnected: true, at: new Date().toISOString() }) },
  });
  const off = await cli(["--json", "--force"]);
  expect(off.code).toBe(4);
  expect(JSON.parse(off.stdout).reason).toMatch(/^Disconnected/);
  await ctx.db.appSetting.deleteMany({ where: { key: "connection.state" } });
}, 90_000);

test("SIGTERM stops a running sync: the run is recorded as aborted, the lock and staging are released at once", async () => {
  // Slow Graph down so the sync is surely running when the signal comes.
  await ctx.control("POST", "/faults", { latencyMs: 400 });
  try {
    const child = spawn(
      process.execPath,
      [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/sync.ts", "--json", "--full"],
      { cwd: root, env: ctx.cliEnv({}) },
    );
    let stdout = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await expect
      .poll(async () => ctx.db.syncLock.count({ where: { tenantId: ctx.tenantId } }), { timeout: 30_000 })
      .toBe(1);
    child.kill("SIGTERM");
    expect(await exited).toBe(1);
    expect(JSON.parse(stdout.trim().split("\n").pop()!)).toMatchObject({ status: "failed" });
    const run = await ctx.db.syncRun.findFirstOrThrow({
      where: { tenantId: ctx.tenantId },
      orderBy: { startedAt: "desc" },
    });
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/aborted/i);
    expect(await ctx.db.syncLock.count({ where: { tenantId: ctx.tenantId } })).toBe(0);
    expect(await ctx.db.syncStageUser.count({ where: { runId: run.id } })).toBe(0);
  } finally {
    await ctx.control("POST", "/faults/reset");
  }
  // The next sync starts at once (no stale lock to wait out) and succeeds.
  const next = await cli(["--json"]);
  expect(next.code, next.stderr).toBe(0);
}, 90_000);
