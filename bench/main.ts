/**
 * `npm run bench -- <suite> [--json] [suite flags]`. Each suite prints its targets
 * `{ name, value, limit, unit, met }` and the floors it measured in the same run (see DESIGN.md).
 */
import { ensureServerCondition } from "../lib/sync/server-condition";

const SUITES: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
  sync: () => import("./sync"),
  review: () => import("./review"),
  dashboard: () => import("./dashboard"),
  report: () => import("./report"),
};

async function main(): Promise<number> {
  await ensureServerCondition();
  const [suite, ...rest] = process.argv.slice(2);
  const load = suite ? SUITES[suite] : undefined;
  if (!load) {
    console.error(`usage: npm run bench -- <suite> [--json]   suites: ${Object.keys(SUITES).join(", ")}`);
    return 2;
  }
  return (await load()).run(rest);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
