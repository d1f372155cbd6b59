import "server-only";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { readHealth, resolveConnection, resolveWriteConnection, saveHealth } from "./store";
import { checkConnection, type ConnectionHealth } from "./check-connection";

export interface BothHealth {
  /** The read app: syncs pause on its blocking problems. */
  health: ConnectionHealth;
  /** The write app: revocations and expiries; never pauses a sync. */
  writeHealth: ConnectionHealth;
}

function unusable(app: "read" | "write", reason: string, fix: string): ConnectionHealth {
  return {
    app,
    status: "needs_attention",
    checkedAt: new Date().toISOString(),
    problems: [{ kind: "app", message: reason, fix, blocksSync: app === "read" }],
    permissions: [],
    probes: [],
  };
}

/** Checks the read and the write connection, each on its own, and keeps both verdicts (no secrets in them). */
export async function testConfiguredConnection(): Promise<BothHealth> {
  const [r, w] = await Promise.all([resolveConnection(db(), env()), resolveWriteConnection(db(), env())]);
  const [health, writeHealth] = await Promise.all([
    r.ok
      ? checkConnection(r.connection, "read")
      : unusable("read", r.reason, "Save a connection in Settings, or reconnect."),
    w.ok
      ? checkConnection(w.connection, "write")
      : unusable(
          "write",
          w.reason,
          'Register a write app with a certificate and set GRAPH_WRITE_CLIENT_ID (README, "Least privilege").',
        ),
  ]);
  await saveHealth(db(), health);
  await saveHealth(db(), writeHealth);
  return { health, writeHealth };
}

export async function lastConnectionHealth(): Promise<{
  health: ConnectionHealth | null;
  writeHealth: ConnectionHealth | null;
}> {
  const [health, writeHealth] = await Promise.all([readHealth(db(), "read"), readHealth(db(), "write")]);
  return { health, writeHealth };
}
