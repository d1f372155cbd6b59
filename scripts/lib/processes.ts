import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const bin = (name: string) => path.join(process.cwd(), "node_modules", ".bin", name);

export function startProcess(
  label: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  quiet = false,
): ChildProcess {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const prefix = (line: string) => `[${label}] ${line}`;
  for (const stream of [child.stdout, child.stderr]) {
    let buf = "";
    stream?.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      if (!quiet) for (const l of lines) if (l.trim()) console.log(prefix(l));
    });
  }
  return child;
}

export function startEmulatorProcess(env: NodeJS.ProcessEnv, quiet = false): ChildProcess {
  return startProcess("emulator", bin("tsx"), ["emulator/main.ts"], env, quiet);
}

export function startAppProcess(env: NodeJS.ProcessEnv, port: number, quiet = false): ChildProcess {
  return startProcess("app", bin("next"), ["start", "-p", String(port)], env, quiet);
}

export async function waitForUrl(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`process exited with code ${child.exitCode} before ${url} answered`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the production app unless the last build is newer than every source file. */
export async function buildIfStale(env: NodeJS.ProcessEnv): Promise<void> {
  const buildId = path.join(".next", "BUILD_ID");
  const sources = Math.max(
    ...["app", "components", "lib", "next.config.js", "package.json"].map((d) =>
      existsSync(d) && statSync(d).isFile() ? statSync(d).mtimeMs : newestMtime(d),
    ),
  );
  if (existsSync(buildId) && statSync(buildId).mtimeMs > sources) return;
  console.log("Building the app (next build)…");
  await new Promise<void>((resolve, reject) => {
    const child = spawn(bin("next"), ["build"], { env: { ...env, NODE_ENV: "production" }, stdio: "inherit" });
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`next build failed with exit code ${code}`)),
    );
  });
}

/** Secrets the demo needs but nobody should have to type: made once, kept in data/ (git-ignored). */
export function demoSecrets(): { AUTH_SECRET: string; RECERT_ENCRYPTION_KEY: string } {
  const file = path.join("data", "demo-secrets.json");
  if (existsSync(file))
    return JSON.parse(readFileSync(file, "utf8")) as { AUTH_SECRET: string; RECERT_ENCRYPTION_KEY: string };
  mkdirSync("data", { recursive: true });
  const secrets = {
    AUTH_SECRET: randomBytes(33).toString("base64"),
    RECERT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export function stopAll(children: ChildProcess[]): void {
  for (const c of children) if (c.exitCode === null && !c.killed) c.kill("SIGTERM");
}
