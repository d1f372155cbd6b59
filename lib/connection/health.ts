import "server-only";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { readHealth, resolveConnection, saveHealth } from "./store";
import { checkConnection, type ConnectionHealth } from "./check-connection";

/** Runs the health check against the connection in use and keeps the verdict (no secrets in it). */
export async function testConfiguredConnection(): Promise<ConnectionHealth> {
  const r = await resolveConnection(db(), env());
  const health: ConnectionHealth = r.ok
    ? await checkConnection(r.connection)
    : {
        status: "needs_attention",
        checkedAt: new Date().toISOString(),
        problems: [
          { kind: "app", message: r.reason, fix: "Save a connection in Settings, or reconnect.", blocksSync: true },
        ],
        permissions: [],
        probes: [],
      };
  await saveHealth(db(), health);
  return health;
}

export async function lastConnectionHealth(): Promise<ConnectionHealth | null> {
  return readHealth(db());
}
