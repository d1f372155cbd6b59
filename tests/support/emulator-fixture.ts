/** Shared by lib/sync tests: an emulator, a database, and an exact comparison of the two. */
import { expect } from "vitest";
import { createClient } from "@/lib/db/client";
import { makeCtx } from "@/lib/db/context";
import { startEmulator, type Tenant } from "@/emulator/server";
import { createTestDatabase, type TestDatabase } from "@/scripts/lib/test-db";
import type { SyncGraph } from "@/lib/sync/graph-port";
import { runSync } from "@/lib/sync/run-sync";
import { createSyncGraph } from "@/lib/connection/graph-client";
import { createGraphClient, type GraphClient } from "@/lib/graph";
import { WRITE_CLIENT_ID, writeAppRegistration, writeCertificate } from "./write-app";

export const ADMIN_KEY = "emulator-admin-key";

export async function setup(o: { users?: number; retryBudgetMs?: number; https?: { tlsDir: string } } = {}) {
  const emu = await startEmulator({
    port: 0,
    users: o.users ?? 300,
    now: new Date("2026-11-01T00:00:00Z"),
    writeApp: writeAppRegistration(),
    ...(o.https ? { https: true, tlsDir: o.https.tlsDir } : {}),
  });
  const database: TestDatabase = await createTestDatabase();
  const db = createClient(database.url);
  const connection = (retryBudgetMs: number) => ({
    baseUrl: emu.url,
    authorityHost: emu.url,
    tenantId: emu.config.tenantId,
    clientId: emu.config.clientId,
    clientSecret: emu.config.clientSecret,
    retryBudgetMs,
  });
  const graph = (retryBudgetMs = o.retryBudgetMs ?? 30_000): SyncGraph => createSyncGraph(connection(retryBudgetMs));
  /** The write app's Graph client, as apply and expiry use it: its own id and certificate (short retry budget). */
  const writeClient = (retryBudgetMs = 2_000): GraphClient =>
    createGraphClient({
      ...connection(retryBudgetMs),
      clientId: WRITE_CLIENT_ID,
      clientSecret: undefined,
      certificate: writeCertificate().credential,
    });
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/_emulator${path}`, {
      method,
      headers: { "x-emulator-admin-key": ADMIN_KEY, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  /** One full sync of the emulator into the database, as a test's starting point; its run id. */
  const syncNow = async (): Promise<string> => {
    const r = await runSync({
      db,
      graph: graph(),
      tenantId: emu.config.tenantId,
      databaseUrl: database.url,
      trigger: "manual",
    });
    if (r.status !== "succeeded") throw new Error(`the set-up sync ${r.status}: ${r.errors.join("; ")}`);
    return r.runId;
  };
  return {
    emu,
    db,
    syncNow,
    database,
    graph,
    writeClient,
    control,
    tenantId: emu.config.tenantId,
    /** The lib context on this database and tenant (real clock; tests replace `now` to move it). */
    ctx: makeCtx(db, emu.config.tenantId),
    /** The environment `npm run sync` needs to sync this emulator into this database (for child processes). */
    cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
      return {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        DATABASE_URL: database.url,
        AUTH_SECRET: "a".repeat(40),
        AUTH_MICROSOFT_ENTRA_ID_ID: emu.config.clientId,
        AUTH_MICROSOFT_ENTRA_ID_SECRET: emu.config.clientSecret,
        ENTRA_TENANT_ID: emu.config.tenantId,
        ENTRA_AUTHORITY_HOST: emu.url,
        GRAPH_BASE_URL: emu.url,
        GRAPH_WRITE_CLIENT_ID: WRITE_CLIENT_ID,
        GRAPH_WRITE_CLIENT_CERTIFICATE: writeCertificate().file,
        ...extra,
      } as unknown as NodeJS.ProcessEnv;
    },
    async close() {
      await db.$disconnect();
      await emu.close();
      await database.drop();
    },
  };
}

type Db = ReturnType<typeof createClient>;

const iso = (d: Date | null | undefined) => (d ? d.toISOString().replace(/\.000Z$/, "Z") : null);
const isoG = (s: string | null | undefined) => (s ? new Date(s).toISOString().replace(/\.000Z$/, "Z") : null);
const sorted = <T>(xs: T[]) => xs.map((x) => JSON.stringify(x)).sort();

/** Asserts the database holds exactly the emulator's tenant (every object and relation of every kind). */
export async function expectExact(db: Db, t: Tenant): Promise<void> {
  const tenantId = t.id;
  const users = await db.dirUser.findMany({ where: { tenantId } });
  expect(
    sorted(
      users.map((u) => [
        u.id,
        u.displayName,
        u.userType,
        u.accountEnabled,
        u.department,
        u.externalUserState,
        iso(u.lastSignInAt),
        iso(u.lastSuccessfulSignInAt),
        u.managerId,
      ]),
    ),
  ).toEqual(
    sorted(
      t.users.map((u) => [
        u.id,
        u.displayName,
        u.userType,
        u.accountEnabled,
        u.department,
        u.externalUserState,
        isoG(u.signInActivity?.lastSignInDateTime),
        isoG(u.signInActivity?.lastSuccessfulSignInDateTime),
        u.managerId,
      ]),
    ),
  );
  const groups = await db.dirGroup.findMany({ where: { tenantId } });
  expect(sorted(groups.map((g) => [g.id, g.displayName, g.isAssignableToRole, g.isDynamic, g.membershipRule]))).toEqual(
    sorted(
      t.groups.map((g) => [
        g.id,
        g.displayName,
        g.isAssignableToRole,
        g.groupTypes.includes("DynamicMembership"),
        g.membershipRule,
      ]),
    ),
  );
  const members = await db.dirGroupMember.findMany({ where: { tenantId }, select: { groupId: true, memberId: true } });
  expect(sorted(members.map((m) => [m.groupId, m.memberId]))).toEqual(
    sorted(t.groups.flatMap((g) => [...g.members].map((m) => [g.id, m]))),
  );
  const owners = await db.dirGroupOwner.findMany({ where: { tenantId }, select: { groupId: true, ownerId: true } });
  expect(sorted(owners.map((m) => [m.groupId, m.ownerId]))).toEqual(
    sorted(t.groups.flatMap((g) => [...g.owners].map((m) => [g.id, m]))),
  );
  const sponsors = await db.dirSponsor.findMany({ where: { tenantId } });
  expect(sorted(sponsors.map((s) => [s.userId, s.sponsorId]))).toEqual(
    sorted(t.users.filter((u) => u.userType === "Guest").flatMap((u) => u.sponsorIds.map((s) => [u.id, s]))),
  );
  const ra = await db.dirRoleAssignment.findMany({ where: { tenantId } });
  expect(sorted(ra.map((a) => [a.id, a.principalId, a.roleDefinitionId]))).toEqual(
    sorted(t.roleAssignments.map((a) => [a.id, a.principalId, a.roleDefinitionId])),
  );
  expect(await db.dirRoleDefinition.count({ where: { tenantId } })).toBe(t.roleDefinitions.length);
  const sps = await db.dirServicePrincipal.findMany({ where: { tenantId }, select: { id: true } });
  expect(sorted(sps.map((s) => s.id))).toEqual(sorted(t.servicePrincipals.map((s) => s.id)));
  const ara = await db.dirAppRoleAssignment.findMany({ where: { tenantId } });
  expect(sorted(ara.map((a) => [a.id, a.principalId, a.principalType, a.appRoleId, a.resourceId]))).toEqual(
    sorted(t.appRoleAssignments.map((a) => [a.id, a.principalId, a.principalType, a.appRoleId, a.resourceId])),
  );
  const mfa = await db.dirMfaRegistration.findMany({
    where: { tenantId },
    select: { userId: true, isMfaRegistered: true },
  });
  expect(sorted(mfa.map((m) => [m.userId, m.isMfaRegistered]))).toEqual(
    sorted(t.users.filter((u) => u.accountEnabled && u.mfa).map((u) => [u.id, u.mfa!.isMfaRegistered])),
  );
  const ca = await db.dirCaPolicy.findMany({ where: { tenantId }, select: { id: true, state: true } });
  expect(sorted(ca.map((p) => [p.id, p.state]))).toEqual(sorted(t.policies.map((p) => [p.id, p.state])));
}
