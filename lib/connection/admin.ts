/**
 * What an admin does to the connection from Settings: save (then check), disconnect, reconnect (then
 * check), purge. Each store function audits; the health check's verdict decides whether syncs resume.
 */
import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { type BothHealth, testConfiguredConnection } from "./health";
import {
  disconnect,
  purgeDirectory,
  reconnect,
  resolveConnection,
  saveConnection,
  type Actor,
  type ConnectionView,
} from "./store";

const guid = z
  .string()
  .trim()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    "must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
  );
export const ZSaveConnection = z.object({
  tenantId: guid,
  clientId: guid,
  // Empty keeps the stored secret. Entra secrets are 40 characters.
  clientSecret: z.string().max(256, "must be at most 256 characters").default(""),
});
export type TSaveConnection = z.input<typeof ZSaveConnection>;
export const ZPurge = z.object({ confirm: z.string().refine((v) => v === "PURGE", "Type PURGE to confirm.") });

/** Saves the connection (secret sealed with AES-256-GCM), then re-checks it: a healthy check resumes syncs. */
export async function saveAndCheck(
  actor: Actor,
  input: z.output<typeof ZSaveConnection>,
): Promise<{ view: ConnectionView } & BothHealth> {
  const view = await saveConnection(db(), env(), actor, input);
  return { view, ...(await testConfiguredConnection()) };
}

/** Removes stored credentials and stops syncs and revocations; synced data stays until purged. */
export async function disconnectNow(actor: Actor): Promise<{ view: ConnectionView }> {
  await disconnect(db(), env(), actor);
  return { view: (await resolveConnection(db(), env())).view };
}

/** Lifts Disconnect when the environment (or the sign-in app) provides the credentials, and re-checks. */
export async function reconnectAndCheck(actor: Actor): Promise<{ view: ConnectionView } & BothHealth> {
  await reconnect(db(), env(), actor);
  return { view: (await resolveConnection(db(), env())).view, ...(await testConfiguredConnection()) };
}

/** Deletes this tenant's synced directory (campaigns, reports and the audit log stay); returns how many rows went. */
export async function purgeNow(actor: Actor): Promise<{ deleted: number }> {
  const counts = await purgeDirectory(db(), env(), actor);
  return { deleted: Object.values(counts).reduce((a, b) => a + b, 0) };
}
