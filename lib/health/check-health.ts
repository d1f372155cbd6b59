import "server-only";
import { db } from "@/lib/db";
import { engineOfUrl } from "@/lib/db/sql";
import { env } from "@/lib/env";

export interface Health {
  status: "ok" | "degraded";
  database: { engine: "sqlite" | "postgresql"; reachable: boolean; error?: string };
  graph: { configured: boolean; baseUrl: string; tenantId: string };
  time: string;
}

/** Public health probe: reports reachability and configuration, never credentials or connection strings. */
export async function checkHealth(): Promise<Health> {
  const e = env();
  const engine = engineOfUrl(e.DATABASE_URL);
  let reachable = true;
  let error: string | undefined;
  try {
    await db().$queryRawUnsafe("SELECT 1");
  } catch {
    reachable = false;
    error = "The database did not answer. Check DATABASE_URL and that migrations ran (npm run db:migrate).";
  }
  const configured = Boolean(e.AUTH_MICROSOFT_ENTRA_ID_ID && e.AUTH_MICROSOFT_ENTRA_ID_SECRET && e.ENTRA_TENANT_ID);
  return {
    status: reachable ? "ok" : "degraded",
    database: { engine, reachable, ...(error ? { error } : {}) },
    graph: { configured, baseUrl: e.GRAPH_BASE_URL, tenantId: e.ENTRA_TENANT_ID },
    time: new Date().toISOString(),
  };
}
