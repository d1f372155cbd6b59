/**
 * The generated report-signing identity is made once per installation: several processes asking at the
 * same moment get the same certificate, and a generation killed halfway leaves nothing the next call
 * cannot complete. Real child processes, real files.
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { forgetSigningIdentities, signingIdentity, SigningConfigError } from "./identity";

const root = path.resolve(import.meta.dirname, "../..");
const scratch = mkdtempSync(path.join(os.tmpdir(), "recert-signing-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A child that loads the module, says "ready", waits for `go` to exist, then asks for the identity. */
const childScript = path.join(scratch, "child.mts");
writeFileSync(
  childScript,
  `import { existsSync } from "node:fs";
const { signingIdentity } = await import(${JSON.stringify(path.join(root, "lib/signing/identity.ts"))});
const [dir, go] = process.argv.slice(2);
process.stdout.write("ready\\n");
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 2));
process.stdout.write(signingIdentity({ dataDir: dir, p12Path: "" }).fingerprint + "\\n");
`,
);

function startChild(dir: string, go: string): { child: ChildProcess; ready: Promise<void>; output: Promise<string> } {
  const child = spawn(process.execPath, ["--import", "tsx", childScript, dir, go], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.includes("ready\n")) onReady();
  });
  const output = new Promise<string>((resolve) => child.on("exit", () => resolve(out.replace("ready\n", "").trim())));
  return { child, ready, output };
}

const fresh = (name: string) => {
  const dir = path.join(scratch, name);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const fromDisk = (dir: string) => {
  forgetSigningIdentities();
  return signingIdentity({ dataDir: dir, p12Path: "" });
};
const leftovers = (dir: string) =>
  readdirSync(dir).filter((f) => f !== "report-signing.p12" && f !== "report-signing.pass");

describe("the generated signing identity", () => {
  it("is generated once when three processes ask at the same moment: all sign with the certificate on disk", async () => {
    const dir = fresh("race");
    const go = path.join(scratch, "race.go");
    const children = [0, 1, 2].map(() => startChild(dir, go));
    await Promise.all(children.map((c) => c.ready));
    writeFileSync(go, "");
    const prints = await Promise.all(children.map((c) => c.output));
    expect(prints.every((p) => /^[0-9a-f]{64}$/.test(p))).toBe(true);
    expect(new Set(prints).size).toBe(1);
    expect(fromDisk(dir).fingerprint).toBe(prints[0]);
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  it("survives its process being killed at any moment of the generation: the next call completes it, and every later call agrees", async () => {
    for (const delayMs of [0, 2, 5, 10, 20, 40, 80]) {
      const dir = fresh(`kill-${delayMs}`);
      const go = path.join(scratch, `kill-${delayMs}.go`);
      const c = startChild(dir, go);
      await c.ready;
      writeFileSync(go, "");
      await new Promise((r) => setTimeout(r, delayMs));
      c.child.kill("SIGKILL");
      await c.output;
      // Whatever the kill left (nothing, a lock, a passphrase alone, a temporary file), the next call completes it.
      const next = fromDisk(dir);
      expect(next.source).toBe("generated");
      expect(fromDisk(dir).fingerprint).toBe(next.fingerprint);
    }
  }, 60_000);

  it("completes what an interrupted generation left: a passphrase without its certificate, a temporary file, a lock whose holder died", () => {
    const dir = fresh("interrupted");
    writeFileSync(path.join(dir, "report-signing.pass"), "from an earlier attempt");
    writeFileSync(path.join(dir, "report-signing.p12.4242.abcd.tmp"), "half a certificate");
    const lock = path.join(dir, "report-signing.lock");
    mkdirSync(lock);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const id = fromDisk(dir);
    expect(id.certPem).toMatch(/BEGIN CERTIFICATE/);
    expect(readFileSync(path.join(dir, "report-signing.pass"), "utf8")).not.toBe("from an earlier attempt");
    expect(existsSync(lock)).toBe(false);
    expect(fromDisk(dir).fingerprint).toBe(id.fingerprint);
  });

  it("refuses a damaged certificate with a clear message and never replaces it (reports already signed name it)", () => {
    const dir = fresh("damaged");
    const good = fromDisk(fresh("damaged-source"));
    const p12 = path.join(dir, "report-signing.p12");
    writeFileSync(path.join(dir, "report-signing.pass"), good.passphrase);
    writeFileSync(p12, good.p12.subarray(0, good.p12.length >> 1));
    const before = readFileSync(p12);
    forgetSigningIdentities();
    expect(() => signingIdentity({ dataDir: dir, p12Path: "" })).toThrow(SigningConfigError);
    expect(() => signingIdentity({ dataDir: dir, p12Path: "" })).toThrow(/cannot be opened/);
    expect(readFileSync(p12)).toEqual(before);
  });
});
