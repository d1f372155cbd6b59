/**
 * A fresh, empty database for one bench run: a file under the temp directory (SQLite), or a new database on the
 * PostgreSQL server that BENCH_DATABASE_URL names (its role needs CREATEDB), created with a random name and dropped
 * afterwards. Every run starts cold: no rows, statistics or caches left over from an earlier one.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { Engine } from "../../lib/db/sql";

export interface BenchDatabase {
  url: string;
  engine: Engine;
  /** What a log line may show (never a password). */
  label: string;
  drop(): Promise<void>;
}

export function engineFlag(f: Record<string, string>): Engine {
  const e = f.engine ?? "sqlite";
  if (e !== "sqlite" && e !== "postgresql") throw new Error(`--engine must be sqlite or postgresql, not ${e}`);
  return e;
}

export async function benchDatabase(engine: Engine, label: string): Promise<BenchDatabase> {
  const id = randomBytes(4).toString("hex");
  if (engine === "sqlite") {
    const file = path.join(tmpdir(), `recert-bench-${label}-${id}.db`);
    return {
      url: `file:${file}`,
      engine,
      label: file,
      async drop() {
        for (const s of ["", "-wal", "-shm"]) rmSync(file + s, { force: true });
      },
    };
  }
  const server = process.env.BENCH_DATABASE_URL;
  if (!server || !/^postgres(ql)?:\/\//.test(server))
    throw new Error(
      "--engine postgresql needs BENCH_DATABASE_URL: a PostgreSQL URL whose role may create databases (each run makes its own and drops it)",
    );
  const name = `recert_bench_${label.replace(/\W/g, "_")}_${id}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    engine,
    label: `PostgreSQL database ${name}`,
    async drop() {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The PostgreSQL settings that bulk writes and cold reads depend on, as the server reports them. */
const SETTINGS = [
  "server_version",
  "shared_buffers",
  "work_mem",
  "maintenance_work_mem",
  "max_wal_size",
  "checkpoint_timeout",
  "checkpoint_completion_target",
  "synchronous_commit",
  "wal_compression",
  "huge_pages",
];

/**
 * The server's settings, recorded in a run's parameters (the README names those its figures were measured with). At
 * 3.1M items the campaign start writes gigabytes of WAL: with `max_wal_size` at Debian's 1 GB, PostgreSQL checkpointed
 * every 9 s during it and logs that checkpoints "are occurring too frequently" (#20). Empty for SQLite.
 */
export async function serverSettings(url: string): Promise<Record<string, string>> {
  if (!/^postgres(ql)?:\/\//.test(url)) return {};
  const c = new pg.Client({ connectionString: url });
  // A run of many minutes keeps its figures when the settings cannot be read; the report says why.
  try {
    await c.connect();
    const { rows } = await c.query<{ name: string; value: string }>(
      "SELECT name, current_setting(name) AS value FROM unnest($1::text[]) AS name",
      [SETTINGS],
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  } catch (e) {
    return { error: (e as Error).message.split("\n")[0] ?? "unreadable" };
  } finally {
    await c.end().catch(() => undefined);
  }
}
