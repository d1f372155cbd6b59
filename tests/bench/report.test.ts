import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test, vi } from "vitest";
import { type BenchReport, emit, walMegabytes } from "@/bench/lib/report";

const root = mkdtempSync(path.join(tmpdir(), "recert-bench-report-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const report = (server: Record<string, string>): BenchReport => ({
  suite: "review",
  startedAt: new Date().toISOString(),
  params: { engine: Object.keys(server).length ? "postgresql" : "sqlite", server },
  measurements: {},
  floors: {},
  targets: [],
});

test("PostgreSQL's size settings read as megabytes, whatever unit the server shows", () => {
  expect(walMegabytes("1GB")).toBe(1024);
  expect(walMegabytes("4096MB")).toBe(4096);
  expect(walMegabytes("512kB")).toBe(0.5);
  expect(walMegabytes(undefined)).toBeUndefined();
  expect(walMegabytes("lots")).toBeUndefined();
});

test("a run records the machine's cores and the server's settings, and says when max_wal_size is below the README's", () => {
  vi.spyOn(console, "log").mockImplementation(() => undefined);
  const small = report({ server_version: "15.18", max_wal_size: "1GB" });
  const stored = JSON.parse(readFileSync(emit(small, false, root), "utf8")) as BenchReport;
  expect(stored.params.cores).toBeGreaterThan(0);
  expect(stored.params.server).toEqual({ server_version: "15.18", max_wal_size: "1GB" });
  expect(stored.notes?.join("\n")).toMatch(/max_wal_size is 1024 MB/);
  for (const r of [report({ max_wal_size: "4GB" }), report({})]) {
    emit(r, true, root);
    expect(r.notes ?? []).toEqual([]);
  }
});
