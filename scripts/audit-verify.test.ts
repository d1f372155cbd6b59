/**
 * `npm run audit:verify` as an auditor runs it (#17): exit 0 on an intact chain that matches its signed checkpoint,
 * 1 when the tail was cut (the triggers taken away first, on purpose) or the head the auditor holds does not match,
 * 2 for usage; the checkpoints can be exported.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { appendAudit } from "@/lib/audit";
import { writeCheckpoint } from "@/lib/audit/checkpoint";
import { createClient } from "@/lib/db/client";
import { signingIdentity } from "@/lib/signing/identity";
import { createTestDatabase, type TestDatabase } from "@/scripts/lib/test-db";
import { withoutAppendOnlyGuard } from "@/tests/support/tamper";

const root = path.resolve(import.meta.dirname, "..");
let tdb: TestDatabase;
let db: ReturnType<typeof createClient>;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = createClient(tdb.url);
  for (let i = 1; i <= 5; i++)
    await appendAudit(db, { actor: { type: "system" }, action: "test.event", target: { type: "t", id: String(i) } });
  await writeCheckpoint(db, "scheduler", signingIdentity());
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

function verify(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/audit-verify.ts", ...args],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", DATABASE_URL: tdb.url } as unknown as NodeJS.ProcessEnv,
      },
    );
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    child.on("close", (code) => resolve({ code, out }));
  });
}

test("intact: exit 0, the checkpoint matched; the head an auditor holds is checked; checkpoints export as JSON lines", async () => {
  const head = (await db.auditEvent.findFirstOrThrow({ where: { seq: 5 } })).hash;
  const ok = await verify([]);
  expect(ok.code, ok.out).toBe(0);
  expect(ok.out).toContain("Anchors: 1 signed checkpoint(s)");
  expect(ok.out).toContain("Chain intact.");
  expect((await verify(["--head", `5:${head}`])).code).toBe(0);
  const wrong = await verify(["--head", `5:${"0".repeat(64)}`]);
  expect([wrong.code, wrong.out]).toEqual([1, expect.stringContaining("TAMPERED REWRITTEN: The head you hold")]);
  const exported = await verify(["--export-checkpoints"]);
  const line = JSON.parse(exported.out.trim()) as { seq: number; hash: string; jws: string };
  expect(line).toMatchObject({ seq: 5, hash: head, jws: expect.stringMatching(/^eyJ/) });
  expect((await verify(["--head", "five"])).code).toBe(2);
});

test("a cut tail: exit 1, named against the checkpoint", async () => {
  await withoutAppendOnlyGuard(db, () => db.$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE "seq" = 5`));
  const r = await verify([]);
  expect(r.code, r.out).toBe(1);
  expect(r.out).toContain("TAMPERED TRUNCATED");
  expect(r.out).toContain("event 5 was removed");
});
