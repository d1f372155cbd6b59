/**
 * `npm test`: the whole suite. Lint (Biome, zero warnings) and the type check, Vitest (unit + integration against the emulator and a real database),
 * then a production build and Playwright journeys in Debian's Chromium.
 * DATABASE_URL picks the engine (unset = SQLite); PostgreSQL must be local: tests create and drop databases.
 * Prints one closing line "tests: N passed, N failed" and exits non-zero on any failure.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { engineOfUrl } from "../lib/db/sql";
import { assertLocalDatabase, resetDatabase } from "./lib/test-db";

const bin = (name: string) => path.join("node_modules", ".bin", name);
const only = process.argv[2]; // "unit" | "e2e" | undefined (both)

function run(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): boolean {
  console.log(`\n=== ${label}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env });
  return r.status === 0;
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function vitestCounts(file: string): Counts | undefined {
  if (!existsSync(file)) return undefined;
  const j = JSON.parse(readFileSync(file, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  return { passed: j.numPassedTests, failed: j.numFailedTests, skipped: j.numPendingTests + j.numTodoTests };
}

/** "file > test: first line of the error" for every failed Vitest test, so the run's last lines name them. */
function vitestFailures(file: string): string[] {
  if (!existsSync(file)) return [];
  const j = JSON.parse(readFileSync(file, "utf8")) as {
    testResults?: {
      name: string;
      message?: string;
      assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[];
    }[];
  };
  const out: string[] = [];
  for (const f of j.testResults ?? []) {
    const rel = path.relative(process.cwd(), f.name);
    const failed = (f.assertionResults ?? []).filter((a) => a.status === "failed");
    for (const a of failed) out.push(`${rel} > ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
    // A file that failed to load (or failed in a hook) has no failed assertion but a message.
    if (failed.length === 0 && f.message) out.push(`${rel}: ${firstLine(f.message)}`);
  }
  return out;
}

interface PwSuite {
  title: string;
  file?: string;
  suites?: PwSuite[];
  specs?: { title: string; line: number; ok: boolean; tests: { results: { error?: { message?: string } }[] }[] }[];
}

/** The same for Playwright's JSON report: "file:line title: first line of the last error". */
function playwrightFailures(file: string): string[] {
  if (!existsSync(file)) return [];
  const j = JSON.parse(readFileSync(file, "utf8")) as { suites?: PwSuite[] };
  const out: string[] = [];
  const walk = (s: PwSuite, f: string) => {
    const fileName = s.file ?? f;
    for (const spec of s.specs ?? []) {
      if (spec.ok) continue;
      const results = spec.tests.flatMap((t) => t.results);
      out.push(`${fileName}:${spec.line} ${spec.title}: ${firstLine(results.at(-1)?.error?.message)}`);
    }
    for (const c of s.suites ?? []) walk(c, fileName);
  };
  for (const s of j.suites ?? []) walk(s, s.file ?? s.title);
  return out;
}

function firstLine(text: string | undefined): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the ANSI colours of an error message
  const plain = (text ?? "(no message)").replace(/\x1b\[[0-9;]*m/g, "");
  return (plain.split("\n").find((l) => l.trim() !== "") ?? "").trim().slice(0, 300);
}

function playwrightCounts(file: string): Counts | undefined {
  if (!existsSync(file)) return undefined;
  const j = JSON.parse(readFileSync(file, "utf8")) as {
    stats: { expected: number; unexpected: number; flaky: number; skipped: number };
  };
  return { passed: j.stats.expected + j.stats.flaky, failed: j.stats.unexpected, skipped: j.stats.skipped };
}

async function main() {
  const databaseUrl = process.env.DATABASE_URL ?? "";
  assertLocalDatabase(databaseUrl);
  const engine = engineOfUrl(databaseUrl);
  console.log(`Recert test suite on ${engine}`);
  rmSync("test-results", { recursive: true, force: true });
  mkdirSync("test-results", { recursive: true });
  // Tests never read a developer's .env: everything they need is set here or by the harness.
  const env: NodeJS.ProcessEnv = { ...process.env, TEST_DATABASE_URL: databaseUrl, NEXT_TELEMETRY_DISABLED: "1" };
  let ok = true;
  const failures: string[] = [];
  const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
  const add = (c: Counts | undefined) => {
    if (!c) return;
    totals.passed += c.passed;
    totals.failed += c.failed;
    totals.skipped += c.skipped;
  };

  // The house style is part of the suite: a lint warning or a type error fails CI like a failing test.
  if (!run("lint (Biome, TypeScript)", "npm", ["run", "-s", "lint"], env)) {
    ok = false;
    totals.failed += 1;
  }

  if (only !== "e2e") {
    const vitestJson = "test-results/vitest.json";
    const vitestOk = run(
      "Vitest",
      bin("vitest"),
      ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`],
      env,
    );
    const c = vitestCounts(vitestJson);
    add(c);
    failures.push(...vitestFailures(vitestJson).map((f) => `Vitest ${f}`));
    if (!vitestOk || !c) {
      ok = false;
      // Vitest fails a run on an unhandled error (an 'error' event nobody listens to, a rejection) with every test
      // passed: counted here, so the closing line never reads "0 failed" on a failing run.
      if (!c || c.failed === 0) {
        console.log("Vitest failed outside any test (see 'Unhandled Errors' above).");
        totals.failed += 1;
      }
    }
  }

  if (only !== "unit") {
    const built = run("next build", bin("next"), ["build"], { ...env, NODE_ENV: "production" });
    if (!built) {
      ok = false;
      totals.failed += 1;
    } else {
      const e2eUrl = engine === "postgresql" ? databaseUrl : "file:./data/e2e.db";
      await resetDatabase(e2eUrl);
      // The journeys run over https on PostgreSQL (the emulator with a local CA, trusted through
      // NODE_EXTRA_CA_CERTS: the production path, no http allowance) and over plain http on SQLite, so every CI run
      // covers both. E2E_HTTPS already set wins.
      const https = env.E2E_HTTPS ?? (engine === "postgresql" ? "1" : "0");
      console.log(`Playwright journeys against the emulator over ${https === "1" ? "https" : "http"}.`);
      const pwOk = run("Playwright", bin("playwright"), ["test"], {
        ...env,
        E2E_HTTPS: https,
        E2E_DATABASE_URL: e2eUrl,
        PLAYWRIGHT_REPORTERS: "ci",
        CI: env.CI ?? "",
      });
      const c = playwrightCounts("test-results/playwright.json");
      add(c);
      failures.push(...playwrightFailures("test-results/playwright.json").map((f) => `Playwright ${f}`));
      if (!pwOk || !c) {
        ok = false;
        if (!c || c.failed === 0) {
          console.log("Playwright failed outside any test (global setup or teardown, the web server).");
          totals.failed += 1;
        }
      }
    }
  }

  // CI shows only the end of a long log: the failed tests are named again here, each on a line starting "FAILED".
  if (failures.length > 0) console.log(`\n${failures.map((f) => `FAILED (${engine}) ${f}`).join("\n")}`);
  console.log(`\n${engine}: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exit(ok && totals.failed === 0 ? 0 : 1);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
