/** Shared bench setup (not timed): an in-process emulator with N users and a full sync into a fresh database. */
import { startEmulator } from "../../emulator/server";
import { createClient } from "../../lib/db/client";
import { migrate } from "../../lib/db/migrate";
import type { Engine } from "../../lib/db/sql";
import { createSyncGraph } from "../../lib/connection/graph-client";
import { runSync } from "../../lib/sync/run-sync";
import { benchDatabase } from "./database";

export async function syncedTenant(users: number, label: string, engine: Engine = "sqlite") {
  const database = await benchDatabase(engine, label);
  const url = database.url;
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
    engine,
    tenantId,
    async close() {
      await db.$disconnect();
      await database.drop();
    },
  };
}
