/**
 * House rules (#15) that a reviewer would otherwise have to remember: every server action goes through the
 * one wrapper, no library or component file is a "use server" module, and the layers point one way.
 * Read from the source, so a new file that breaks a rule fails here before it ships.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(path.join(root, dir))) {
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) files(rel, out);
    else if (/\.(ts|tsx)$/.test(name)) out.push(rel);
  }
  return out;
}
const source = (f: string) => readFileSync(path.join(root, f), "utf8");
const isServerModule = (text: string) => /^\s*(\/\/[^\n]*\n|\/\*[\s\S]*?\*\/\s*)*["']use server["']/.test(text);

describe("server actions", () => {
  const actionFiles = files("app").filter((f) => isServerModule(source(f)));

  it("live in app/, in files named actions.ts", () => {
    expect(actionFiles.length).toBeGreaterThanOrEqual(5);
    for (const f of actionFiles) expect(path.basename(f), f).toBe("actions.ts");
    for (const dir of ["lib", "components", "scripts"])
      expect(
        files(dir).filter((f) => isServerModule(source(f))),
        `"use server" in ${dir}/`,
      ).toEqual([]);
  });

  it("every export of an action file is made by action(): role, zod input, plain-words errors", () => {
    let count = 0;
    for (const f of actionFiles) {
      const text = source(f);
      const exports = text.split("\n").filter((l) => /^export\b/.test(l));
      for (const line of exports) {
        // Types are erased; anything else exported from a "use server" file is a public endpoint.
        if (/^export (type|interface) /.test(line)) continue;
        expect(line, `${f}: an exported action not made by action()`).toMatch(/^export const \w+Action = action\(/);
        count++;
      }
      expect(text, `${f} must not re-export`).not.toMatch(/^export \{|^export \*/m);
      // The wrapper does the guard, the parse and the error mapping: none of that by hand.
      expect(text, `${f} guards by hand`).not.toMatch(/requireRole|getCaller|safeParse|try \{|catch \(/);
    }
    // The authorization matrix (e2e/zz-authorization.spec.ts) lists each of these; keep the two in step.
    expect(count).toBe(32);
  });
});

describe("layers point one way", () => {
  const importsOf = (f: string) =>
    [...source(f).matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]!);

  it("components/ and lib/ never import app/", () => {
    for (const f of [...files("components"), ...files("lib")])
      for (const i of importsOf(f)) expect(i, f).not.toMatch(/^@\/app\/|^(\.\.\/)+app\//);
  });

  it("lib/ never imports scripts/, emulator/ or tests/ outside its test files", () => {
    for (const f of files("lib").filter((x) => !x.endsWith(".test.ts")))
      for (const i of importsOf(f))
        expect(i, f).not.toMatch(/^@\/(scripts|emulator|tests)\/|^(\.\.\/)+(scripts|emulator|tests)\//);
  });

  it("components/ never touch the database", () => {
    for (const f of files("components"))
      for (const i of importsOf(f)) expect(i, f).not.toMatch(/^@\/lib\/db(\/|$)|prisma/);
  });

  // The order of ARCHITECTURE.md's table: each folder may import only the folders before it (no cycles).
  const LAYERS = [
    "errors",
    "log",
    "input",
    "env",
    "db",
    "graph",
    "signing",
    "audit",
    "auth",
    "action",
    "connection",
    "notify",
    "approvals",
    "sync",
    "dashboards",
    "reviews",
    "reports",
    "directory",
    "guests",
    "health",
    "scheduler",
  ];

  it("each lib folder imports only the folders below it in the layer order (so no cycle), and every folder has a place", () => {
    const folders = readdirSync(path.join(root, "lib")).filter((d) =>
      statSync(path.join(root, "lib", d)).isDirectory(),
    );
    expect(
      folders.filter((d) => !LAYERS.includes(d)),
      "a lib folder missing from LAYERS and ARCHITECTURE.md",
    ).toEqual([]);
    const wrong: string[] = [];
    for (const f of files("lib").filter((x) => !x.endsWith(".test.ts"))) {
      const from = f.split(path.sep)[1]!;
      for (const i of importsOf(f)) {
        const to =
          /^@\/lib\/([^/"]+)/.exec(i)?.[1] ??
          (i.startsWith("../") ? path.normalize(path.join(path.dirname(f), i)).split(path.sep)[1] : undefined);
        if (to && to !== from && LAYERS.indexOf(to) > LAYERS.indexOf(from)) wrong.push(`${f} imports lib/${to}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("ARCHITECTURE.md lists the lib folders in that order", () => {
    const listed = [...readFileSync(path.join(root, "ARCHITECTURE.md"), "utf8").matchAll(/^\| `lib\/([a-z-]+)`/gm)].map(
      (m) => m[1],
    );
    expect(listed).toEqual(LAYERS);
  });
});
