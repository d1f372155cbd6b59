/** Output shared by every bench suite: one JSON object (`--json`) or a table, plus a file in bench/results/. */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";

export interface Target {
  name: string;
  value: number;
  limit: number;
  unit: string;
  met: boolean;
}

export interface BenchReport {
  suite: string;
  startedAt: string;
  params: Record<string, unknown>;
  measurements: Record<string, number>;
  floors: Record<string, number>;
  targets: Target[];
  notes?: string[];
  /** written to the JSON file only, not to the table: where the time went */
  detail?: Record<string, unknown>;
}

export function target(name: string, value: number, limit: number, unit: string): Target {
  return {
    name,
    value: Math.round(value * 100) / 100,
    limit: Math.round(limit * 100) / 100,
    unit,
    met: value <= limit,
  };
}

/** A suite's exit code: 1 when any target is missed (#20: a bench never passes on a miss). */
export function verdict(report: BenchReport): number {
  return report.targets.every((t) => t.met) ? 0 : 1;
}

export function emit(report: BenchReport, json: boolean, root = process.cwd()): string {
  // The machine the figures belong to.
  report.params.cores ??= availableParallelism();
  const wal = walMegabytes((report.params.server as Record<string, string> | undefined)?.max_wal_size);
  if (wal !== undefined && wal < 4096)
    report.notes = [
      ...(report.notes ?? []),
      `PostgreSQL's max_wal_size is ${wal} MB: the README's figures from stop 33 on were measured with 4 GB (at 1 GB a large campaign start checkpoints every few seconds)`,
    ];
  const dir = path.join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.suite}-${report.startedAt.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  if (json) {
    console.log(JSON.stringify(report));
    return file;
  }
  const rows = (o: Record<string, unknown>) =>
    Object.entries(o).map(
      ([k, v]) => `  ${k.padEnd(28)} ${typeof v === "number" ? v.toLocaleString("en-US") : JSON.stringify(v)}`,
    );
  console.log(`\nbench ${report.suite}  (${report.startedAt})`);
  console.log("parameters");
  console.log(rows(report.params).join("\n"));
  console.log("measurements");
  console.log(rows(report.measurements).join("\n"));
  console.log("floors (same run)");
  console.log(rows(report.floors).join("\n"));
  console.log("targets");
  console.log(`  ${"name".padEnd(44)} ${"value".padStart(12)} ${"limit".padStart(12)}  unit   met`);
  for (const t of report.targets)
    console.log(
      `  ${t.name.padEnd(44)} ${String(t.value).padStart(12)} ${String(t.limit).padStart(12)}  ${t.unit.padEnd(6)} ${t.met ? "yes" : "NO"}`,
    );
  for (const n of report.notes ?? []) console.log(`note: ${n}`);
  console.log(`written to ${path.relative(root, file)}`);
  return file;
}

/** A PostgreSQL size setting as it shows ("1GB", "4096MB") in megabytes; undefined when absent or unreadable. */
export function walMegabytes(v: string | undefined): number | undefined {
  const m = /^(\d+)\s*(kB|MB|GB|TB)$/.exec(v ?? "");
  if (!m) return undefined;
  return Number(m[1]) * { kB: 1 / 1024, MB: 1, GB: 1024, TB: 1024 * 1024 }[m[2] as "kB" | "MB" | "GB" | "TB"];
}

export function flags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) continue;
    const [k, v] = a.slice(2).split("=", 2);
    if (v !== undefined) out[k!] = v;
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) out[k!] = argv[++i]!;
    else out[k!] = "true";
  }
  return out;
}

/** Samples RSS while `fn` runs; returns fn's result and the peak in MB. */
export async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ result: T; peakRssMb: number; ms: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const t0 = performance.now();
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peakRssMb: peak / 1024 / 1024, ms: performance.now() - t0 };
  } finally {
    clearInterval(timer);
  }
}
