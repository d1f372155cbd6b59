/**
 * `npm run bench -- dashboard [--users 100000] [--json]`: the dashboard's server-side data (the same
 * function the page calls) on a synced tenant. The first call after a sync computes every user's enforcement
 * bucket and caches it per sync run; later renders reuse it. Both are reported; the target is the render.
 */
import { makeCtx } from "../lib/db/context";
import { overview } from "../lib/dashboards/overview";
import { type BenchReport, emit, flags, target, verdict, withPeakRss } from "./lib/report";
import { syncedTenant } from "./lib/setup";

export async function run(argv: string[]): Promise<number> {
  const f = flags(argv);
  const users = Number(f.users ?? 100_000);
  const json = f.json === "true";
  if (!json)
    console.error(`bench dashboard: emulator with ${users.toLocaleString()} users, full sync (setup, not timed)…`);
  const env = await syncedTenant(users, "dashboard");
  try {
    const cold = await withPeakRss(() => overview(makeCtx(env.db, env.tenantId)));
    const warm: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await overview(makeCtx(env.db, env.tenantId));
      warm.push(performance.now() - t0);
    }
    warm.sort((a, b) => a - b);
    const report: BenchReport = {
      suite: "dashboard",
      startedAt: new Date().toISOString(),
      params: { users, engine: "sqlite" },
      measurements: {
        enabledUsers: cold.result.enabledUsers,
        coldFirstRenderMs: Math.round(cold.ms),
        coldPeakRssMb: Math.round(cold.peakRssMb),
        warmMedianMs: Math.round(warm[5]!),
        warmMaxMs: Math.round(warm[9]!),
      },
      floors: {},
      targets: [
        target("dashboard server render (after the first per sync), worst of 10", warm[9]!, 300, "ms"),
        target("peak RSS of the first render", cold.peakRssMb, 1024, "MB"),
      ],
      notes: [
        `The first render after a sync computes every user's bucket: ${Math.round(cold.ms)} ms; it is cached per sync run.`,
      ],
    };
    emit(report, json);
    return verdict(report);
  } finally {
    await env.close();
  }
}
