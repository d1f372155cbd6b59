/** Shared bench setup (not timed): an in-process emulator with N users and a full sync into a fresh SQLite database. */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmulator } from "../../emulator/server";
import { createClient } from "../../lib/db/client";
import { migrate } from "../../lib/db/migrate";
import { createSyncGraph } from "../../lib/connection/graph-client";
import { runSync } from "../../lib/sync/run-sync";

export async function syncedTenant(users: number, label: string) {
  const file = path.join(tmpdir(), `recert-bench-${label}-${randomBytes(4).toString("hex")}.db`);
  const url = `file:${file}`;
  const emu = await startEmulator({ port: 0, users });
  await migrate(url);
  const db = createClient(url);
  const t = emu.tenant;
  const sync = await runSync({
    db,
    graph: createSyncGraph({
      baseUrl: emu.url,
      authorityHost: emu.url,
      tenantId: t.id,
      clientId: emu.config.clientId,
      clientSecret: emu.config.clientSecret,
    }),
    tenantId: t.id,
    databaseUrl: url,
    trigger: "cli",
    mode: "full",
  });
  if (sync.status === "failed") throw new Error(`setup sync failed: ${sync.errors.join("; ")}`);
  const tenantId = t.id;
  await emu.close();
  return {
    db,
    url,
    tenantId,
    async close() {
      await db.$disconnect();
      for (const s of ["", "-wal", "-shm"]) rmSync(file + s, { force: true });
    },
  };
}
