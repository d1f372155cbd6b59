/**
 * The Graph connection Recert syncs and writes through, and its state.
 *
 * The read connection (syncs, health checks). Where its credentials come from, first match wins:
 *   1. the environment: GRAPH_CLIENT_ID with GRAPH_CLIENT_CERTIFICATE or GRAPH_CLIENT_SECRET (a dedicated read app);
 *   2. the connection saved in Settings, its secret sealed with RECERT_ENCRYPTION_KEY (AES-256-GCM);
 *   3. the sign-in app registration (AUTH_MICROSOFT_ENTRA_ID_ID / _SECRET), as in the demo.
 * The tenant is always ENTRA_TENANT_ID: people sign in from it and every synced row is keyed by it.
 *
 * The write connection (revocations, expiries) is only ever the write app of the environment: GRAPH_WRITE_CLIENT_ID
 * with GRAPH_WRITE_CLIENT_CERTIFICATE or _SECRET. Nothing falls back to the read or sign-in app, so the web server's
 * sign-in credentials never carry the right to change the tenant (#16, "Least privilege").
 *
 * Disconnect removes the saved credentials and stops syncs and writes (whatever the source) until a
 * connection is saved again or an admin reconnects; the synced directory stays until Purge.
 * The secret never leaves this module except inside a GraphConnection for the Graph client.
 */
import type { PrismaClient } from ".prisma/recert-sqlite";
import { UserError } from "@/lib/errors";
import { appendAudit } from "../audit";
import type { Env } from "../env";
import type { GraphConnection } from "./graph-client";
import type { ConnectionHealth } from "./check-connection";
import { keyIdOf, open, parseKey, seal, SecretBoxError } from "./crypto";
import { certificateFromFile, certificateHint } from "./certificate-file";

type Db = PrismaClient;

export type ConnectionSource = "environment" | "settings" | "sign-in app";

export interface ConnectionView {
  source: ConnectionSource | "none";
  tenantId: string;
  clientId: string | null;
  /** ••••abcd: the last four characters of a secret, never more; or the certificate's thumbprint and end date. */
  secretHint: string | null;
  credential: "secret" | "certificate" | null;
  disconnected: boolean;
  savedAt: string | null;
  /** Why the connection cannot be used (disconnected, undecryptable secret), else null. */
  unusable: string | null;
  /** Whether the Settings form may change it (not when the environment provides it). */
  editable: boolean;
  encryptionKeySet: boolean;
}

export type ResolvedConnection =
  | { ok: true; connection: GraphConnection; view: ConnectionView }
  | { ok: false; reason: string; view: ConnectionView };

const ROW = "default";
const STATE_KEY = "connection.state";
const HEALTH_KEY = "connection.health";
const WRITE_HEALTH_KEY = "connection.writeHealth";
const aadOf = (tenantId: string, clientId: string) => `recert:connection:${tenantId}:${clientId}`;
const hint = (secret: string) => `••••${secret.slice(-4)}`;

async function readState(db: Db): Promise<{ disconnected: boolean; at?: string }> {
  const row = await db.appSetting.findUnique({ where: { key: STATE_KEY } });
  try {
    return row ? (JSON.parse(row.value) as { disconnected: boolean; at?: string }) : { disconnected: false };
  } catch {
    return { disconnected: false };
  }
}

async function writeState(db: Pick<Db, "appSetting">, state: { disconnected: boolean; at: string }) {
  const value = JSON.stringify(state);
  await db.appSetting.upsert({ where: { key: STATE_KEY }, create: { key: STATE_KEY, value }, update: { value } });
}

/** The connection to use now, or why there is none. Never throws for configuration problems. */
export async function resolveConnection(db: Db, e: Env): Promise<ResolvedConnection> {
  const state = await readState(db);
  const base = { baseUrl: e.GRAPH_BASE_URL, authorityHost: e.ENTRA_AUTHORITY_HOST, tenantId: e.ENTRA_TENANT_ID };
  const encryptionKeySet = Boolean(e.RECERT_ENCRYPTION_KEY);
  const view = (v: Partial<ConnectionView> & Pick<ConnectionView, "source">): ConnectionView => ({
    tenantId: e.ENTRA_TENANT_ID,
    clientId: null,
    secretHint: null,
    credential: null,
    disconnected: state.disconnected,
    savedAt: null,
    unusable: state.disconnected
      ? `Disconnected${state.at ? ` on ${state.at.slice(0, 10)}` : ""}: syncs and revocations are stopped until a connection is saved or reconnected.`
      : null,
    editable: true,
    encryptionKeySet,
    ...v,
  });
  let resolved: ResolvedConnection;
  if (e.GRAPH_CLIENT_ID && (e.GRAPH_CLIENT_SECRET || e.GRAPH_CLIENT_CERTIFICATE)) {
    const v = view({ source: "environment", clientId: e.GRAPH_CLIENT_ID, editable: false });
    const cred = credentialOf(
      e.GRAPH_CLIENT_SECRET,
      e.GRAPH_CLIENT_CERTIFICATE,
      e.GRAPH_CLIENT_CERTIFICATE_PASSWORD,
      "GRAPH_CLIENT_CERTIFICATE",
    );
    if (!cred.ok) return { ok: false, reason: cred.reason, view: { ...v, unusable: v.unusable ?? cred.reason } };
    resolved = {
      ok: true,
      connection: { ...base, clientId: e.GRAPH_CLIENT_ID, ...cred.credential },
      view: { ...v, secretHint: cred.hint, credential: cred.kind },
    };
  } else {
    const row = await db.connectionSetting.findUnique({ where: { id: ROW } });
    if (row) {
      const v = view({
        source: "settings",
        clientId: row.clientId,
        secretHint: row.secretHint,
        credential: "secret",
        savedAt: row.updatedAt.toISOString(),
      });
      try {
        const secret = open(row.secretCipher, parseKey(e.RECERT_ENCRYPTION_KEY), aadOf(row.tenantId, row.clientId));
        resolved = { ok: true, connection: { ...base, clientId: row.clientId, clientSecret: secret }, view: v };
      } catch (err) {
        const reason = err instanceof SecretBoxError ? err.message : "The stored secret cannot be read.";
        return { ok: false, reason, view: { ...v, unusable: v.unusable ?? reason } };
      }
    } else {
      const v = view({
        source: "sign-in app",
        clientId: e.AUTH_MICROSOFT_ENTRA_ID_ID,
        secretHint: hint(e.AUTH_MICROSOFT_ENTRA_ID_SECRET),
        credential: "secret",
      });
      resolved = {
        ok: true,
        connection: { ...base, clientId: e.AUTH_MICROSOFT_ENTRA_ID_ID, clientSecret: e.AUTH_MICROSOFT_ENTRA_ID_SECRET },
        view: v,
      };
    }
  }
  if (state.disconnected) return { ok: false, reason: resolved.view.unusable!, view: resolved.view };
  return resolved;
}

type Credential =
  | {
      ok: true;
      kind: "secret" | "certificate";
      credential: Pick<GraphConnection, "clientSecret" | "certificate">;
      hint: string;
    }
  | { ok: false; reason: string };

function credentialOf(
  secret: string | undefined,
  certificatePath: string | undefined,
  password: string | undefined,
  variable: string,
): Credential {
  if (secret) return { ok: true, kind: "secret", credential: { clientSecret: secret }, hint: hint(secret) };
  try {
    const certificate = certificateFromFile(certificatePath!, password, variable);
    return { ok: true, kind: "certificate", credential: { certificate }, hint: certificateHint(certificate) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

export interface WriteConnectionView {
  clientId: string | null;
  credential: "secret" | "certificate" | null;
  /** A secret's last four characters, or the certificate's thumbprint and end date. */
  hint: string | null;
  /** Why revocations and expiries cannot be sent now, else null. */
  unusable: string | null;
}

export type ResolvedWriteConnection =
  | { ok: true; connection: GraphConnection; view: WriteConnectionView }
  | { ok: false; reason: string; view: WriteConnectionView };

/**
 * The write app's connection: GRAPH_WRITE_CLIENT_ID with its certificate or secret, and nothing else. Without it,
 * revocations and expiries are recorded as failed with this reason and retried once it is configured.
 */
export async function resolveWriteConnection(db: Db, e: Env): Promise<ResolvedWriteConnection> {
  const none = { clientId: null, credential: null, hint: null };
  if (!e.GRAPH_WRITE_CLIENT_ID) {
    const reason =
      'No write app is configured: set GRAPH_WRITE_CLIENT_ID and GRAPH_WRITE_CLIENT_CERTIFICATE (README, "Least privilege"). Revocations and expiries wait until then; Recert never writes with the sign-in or read app.';
    return { ok: false, reason, view: { ...none, unusable: reason } };
  }
  const cred = credentialOf(
    e.GRAPH_WRITE_CLIENT_SECRET,
    e.GRAPH_WRITE_CLIENT_CERTIFICATE,
    e.GRAPH_WRITE_CLIENT_CERTIFICATE_PASSWORD,
    "GRAPH_WRITE_CLIENT_CERTIFICATE",
  );
  const base = { ...none, clientId: e.GRAPH_WRITE_CLIENT_ID };
  if (!cred.ok) return { ok: false, reason: cred.reason, view: { ...base, unusable: cred.reason } };
  const view: WriteConnectionView = { ...base, credential: cred.kind, hint: cred.hint, unusable: null };
  const state = await readState(db);
  if (state.disconnected) {
    const reason = `Disconnected${state.at ? ` on ${state.at.slice(0, 10)}` : ""}: revocations and expiries are stopped until a connection is saved or reconnected.`;
    return { ok: false, reason, view: { ...view, unusable: reason } };
  }
  return {
    ok: true,
    connection: {
      baseUrl: e.GRAPH_BASE_URL,
      authorityHost: e.ENTRA_AUTHORITY_HOST,
      tenantId: e.ENTRA_TENANT_ID,
      clientId: e.GRAPH_WRITE_CLIENT_ID,
      ...cred.credential,
    },
    view,
  };
}

export interface Actor {
  id: string;
  name: string | null;
}

/**
 * Saves (or replaces) the connection: the secret sealed, only its last four characters kept in clear.
 * An empty secret keeps the stored one (only when the client id is unchanged). Clears Disconnect.
 */
export async function saveConnection(
  db: Db,
  e: Env,
  actor: Actor,
  input: { tenantId: string; clientId: string; clientSecret: string },
): Promise<ConnectionView> {
  if (e.GRAPH_CLIENT_ID)
    throw new UserError(
      "conflict",
      "GRAPH_CLIENT_ID is set in the environment, which wins: change the read app there.",
    );
  if (input.tenantId.toLowerCase() !== e.ENTRA_TENANT_ID.toLowerCase()) {
    throw new UserError(
      "conflict",
      `Tenant id ${input.tenantId} is not the tenant people sign in from (ENTRA_TENANT_ID ${e.ENTRA_TENANT_ID}). Recert reviews one tenant: use its id.`,
    );
  }
  let key: Buffer;
  try {
    key = parseKey(e.RECERT_ENCRYPTION_KEY);
  } catch (err) {
    throw new UserError("conflict", (err as Error).message);
  }
  const tenantId = e.ENTRA_TENANT_ID;
  const existing = await db.connectionSetting.findUnique({ where: { id: ROW } });
  let secret = input.clientSecret;
  if (!secret) {
    if (!existing || existing.clientId !== input.clientId)
      throw new UserError("conflict", "Enter the client secret (a new client id needs its own secret).");
    try {
      secret = open(existing.secretCipher, key, aadOf(existing.tenantId, existing.clientId));
    } catch (err) {
      throw new UserError("conflict", `${(err as Error).message} Enter the client secret again.`);
    }
  }
  const data = {
    tenantId,
    clientId: input.clientId,
    secretCipher: seal(secret, key, aadOf(tenantId, input.clientId)),
    keyId: keyIdOf(key),
    secretHint: hint(secret),
    updatedById: actor.id,
  };
  const at = new Date().toISOString();
  await db.$transaction(async (tx) => {
    await tx.connectionSetting.upsert({ where: { id: ROW }, create: { id: ROW, ...data }, update: data });
    await writeState(tx, { disconnected: false, at });
    await appendAudit(tx, {
      actor: { type: "user", id: actor.id, name: actor.name },
      action: "connection.save",
      target: { type: "connection", id: tenantId },
      before: existing ? { clientId: existing.clientId, secretHint: existing.secretHint } : null,
      after: { clientId: input.clientId, secretHint: data.secretHint, secretChanged: Boolean(input.clientSecret) },
    });
  });
  return (await resolveConnection(db, e)).view;
}

/** Removes the saved credentials and stops syncs and revocations; the synced directory stays. */
export async function disconnect(db: Db, e: Env, actor: Actor): Promise<void> {
  const at = new Date().toISOString();
  await db.$transaction(async (tx) => {
    const removed = await tx.connectionSetting.deleteMany({ where: { id: ROW } });
    await writeState(tx, { disconnected: true, at });
    await tx.appSetting.deleteMany({ where: { key: { in: [HEALTH_KEY, WRITE_HEALTH_KEY] } } });
    await appendAudit(tx, {
      actor: { type: "user", id: actor.id, name: actor.name },
      action: "connection.disconnect",
      target: { type: "connection", id: e.ENTRA_TENANT_ID },
      after: { storedCredentialsRemoved: removed.count > 0 },
    });
  });
}

/** Lifts Disconnect for environment or sign-in-app credentials (saving a connection lifts it too). */
export async function reconnect(db: Db, e: Env, actor: Actor): Promise<void> {
  await db.$transaction(async (tx) => {
    await writeState(tx, { disconnected: false, at: new Date().toISOString() });
    await appendAudit(tx, {
      actor: { type: "user", id: actor.id, name: actor.name },
      action: "connection.reconnect",
      target: { type: "connection", id: e.ENTRA_TENANT_ID },
    });
  });
}

/** Deletes the tenant's synced directory (not campaigns, reports or the audit log: those are evidence). */
export const DIRECTORY_TABLES = [
  "DirGroupMember",
  "DirGroupOwner",
  "DirGroupSchedule",
  "DirRoleSchedule",
  "DirServicePrincipalOwner",
  "DirApplicationOwner",
  "DirRoleAssignment",
  "DirAppRoleAssignment",
  "DirSponsor",
  "DirMfaRegistration",
  "DirRoleDefinition",
  "DirServicePrincipal",
  "DirCaPolicy",
  "DirOrganization",
  "DirGroup",
  "DirUser",
  "SyncCursor",
  "SyncSnapshot",
] as const;

export async function purgeDirectory(db: Db, e: Env, actor: Actor): Promise<Record<string, number>> {
  const running = await db.syncRun.findFirst({
    where: { tenantId: e.ENTRA_TENANT_ID, status: "running", heartbeatAt: { gt: new Date(Date.now() - 60_000) } },
  });
  if (running)
    throw new UserError("conflict", "A sync is running: wait for it to finish (or Disconnect first), then purge.");
  const pg = /^postgres/.test(e.DATABASE_URL);
  return db.$transaction(
    async (tx) => {
      const counts: Record<string, number> = {};
      for (const t of DIRECTORY_TABLES)
        counts[t] = await tx.$executeRawUnsafe(
          `DELETE FROM "${t}" WHERE "tenantId" = ${pg ? "$1" : "?"}`,
          e.ENTRA_TENANT_ID,
        );
      await appendAudit(tx, {
        actor: { type: "user", id: actor.id, name: actor.name },
        action: "directory.purge",
        target: { type: "tenant", id: e.ENTRA_TENANT_ID },
        after: { deleted: counts },
      });
      return counts;
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
}

// ── Health: the last check's verdict, and whether scheduled syncs must wait ──

const healthKey = (app: "read" | "write") => (app === "read" ? HEALTH_KEY : WRITE_HEALTH_KEY);

/** Keeps one app's last verdict; the read app's decides whether scheduled syncs wait. */
export async function saveHealth(db: Db, health: ConnectionHealth): Promise<void> {
  const value = JSON.stringify(health);
  const key = healthKey(health.app ?? "read");
  await db.appSetting.upsert({ where: { key }, create: { key, value }, update: { value } });
}

export async function readHealth(db: Db, app: "read" | "write" = "read"): Promise<ConnectionHealth | null> {
  const row = await db.appSetting.findUnique({ where: { key: healthKey(app) } });
  try {
    return row ? (JSON.parse(row.value) as ConnectionHealth) : null;
  } catch {
    return null;
  }
}

/**
 * Whether a scheduled sync may run: not while disconnected or undecryptable, and not while the last
 * health check found a problem that stops a sync (bad tenant, app or secret, unreachable authority, a
 * read permission without consent). A missing licence or write permission does not pause syncs.
 */
export async function syncGate(
  db: Db,
  e: Env,
): Promise<{ open: true; connection: GraphConnection; source: ConnectionSource } | { open: false; reason: string }> {
  const r = await resolveConnection(db, e);
  if (!r.ok) return { open: false, reason: r.reason };
  const health = await readHealth(db);
  const blocking = health?.problems.filter((p) => p.blocksSync) ?? [];
  if (blocking.length) {
    return {
      open: false,
      reason: `The connection needs attention (checked ${health!.checkedAt}): ${blocking.map((p) => p.message).join(" ")} Fix it in Settings and save or test again; syncs resume once it is healthy.`,
    };
  }
  return { open: true, connection: r.connection, source: r.view.source as ConnectionSource };
}
