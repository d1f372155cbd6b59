import "server-only";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { checkConnection, type ConnectionHealth } from "./check-connection";

const KEY = "connection.health";

/** Runs the health check against the configured tenant and keeps the verdict (no secrets in it). */
export async function testConfiguredConnection(): Promise<ConnectionHealth> {
  const e = env();
  const health = await checkConnection({ baseUrl: e.GRAPH_BASE_URL, authorityHost: e.ENTRA_AUTHORITY_HOST, tenantId: e.ENTRA_TENANT_ID, clientId: e.AUTH_MICROSOFT_ENTRA_ID_ID, clientSecret: e.AUTH_MICROSOFT_ENTRA_ID_SECRET });
  const value = JSON.stringify(health);
  await db().appSetting.upsert({ where: { key: KEY }, create: { key: KEY, value }, update: { value } });
  return health;
}

export async function lastConnectionHealth(): Promise<ConnectionHealth | null> {
  const row = await db().appSetting.findUnique({ where: { key: KEY } });
  if (!row) return null;
  try {
    return JSON.parse(row.value) as ConnectionHealth;
  } catch {
    return null;
  }
}
