import "server-only";
import type { Ctx } from "@/lib/db";

export interface SyncRunDto {
  id: string;
  trigger: string;
  mode: string;
  status: string;
  phase: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
  progress: {
    phase?: string;
    objects?: number;
    requests?: number;
    retries?: number;
    throttled?: number;
    elapsedMs?: number;
  };
  counts: Record<string, number>;
  errors: string[];
  complete: boolean;
}

function parse<T>(s: string | null | undefined, fallback: T): T {
  try {
    return s ? (JSON.parse(s) as T) : fallback;
  } catch {
    return fallback;
  }
}

type Row = Awaited<ReturnType<Ctx["db"]["syncRun"]["findFirst"]>>;

function toDto(r: NonNullable<Row>): SyncRunDto {
  const manifest = parse<{ counts?: Record<string, number>; errors?: string[]; complete?: boolean }>(r.manifest, {});
  return {
    id: r.id,
    trigger: r.trigger,
    mode: r.mode,
    status: r.status,
    phase: r.phase,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    durationMs: r.durationMs,
    error: r.error,
    progress: parse(r.progress, {}),
    counts: manifest.counts ?? {},
    errors: manifest.errors ?? [],
    complete: manifest.complete ?? false,
  };
}

/** Sync runs for the history page, newest first. */
export async function listSyncRuns(ctx: Ctx, take = 25): Promise<SyncRunDto[]> {
  const { db, tenantId } = ctx;
  const rows = await db.syncRun.findMany({ where: { tenantId }, orderBy: { startedAt: "desc" }, take });
  return rows.map(toDto);
}

export async function latestSyncRun(ctx: Ctx): Promise<SyncRunDto | null> {
  const { db, tenantId } = ctx;
  const row = await db.syncRun.findFirst({ where: { tenantId }, orderBy: { startedAt: "desc" } });
  return row ? toDto(row) : null;
}
