import { UserError } from "@/lib/errors";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { makeCertificatePem } from "@/scripts/lib/demo-certificate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv, type Env } from "@/lib/env";
import { runSync } from "@/lib/sync/run-sync";
import { checkConnection } from "@/lib/connection/check-connection";
import { verifyChain } from "@/lib/audit";
import { setup } from "@/tests/support/emulator-fixture";
import { open, parseKey, seal } from "./crypto";
import {
  disconnect,
  purgeDirectory,
  reconnect,
  resolveConnection,
  resolveWriteConnection,
  saveConnection,
  saveHealth,
  syncGate,
} from "./store";
import { graphFactory } from "./graph";
import { createSyncGraph, type GraphConnection } from "./graph-client";
import type { EnvError } from "@/lib/env";
import { tokenRoles } from "@/lib/graph";
import { WRITE_CLIENT_ID, writeCertificate } from "@/tests/support/write-app";

const withWriteApp = (env: Env): Env => ({
  ...env,
  GRAPH_WRITE_CLIENT_ID: WRITE_CLIENT_ID,
  GRAPH_WRITE_CLIENT_CERTIFICATE: writeCertificate().file,
});

let ctx: Awaited<ReturnType<typeof setup>>;
let e: Env;
const KEY = randomBytes(32).toString("base64");
const admin = { id: "00000000-0000-4000-8000-0000000000ad", name: "Admin" };

beforeAll(async () => {
  ctx = await setup({ users: 80 });
  e = parseEnv({
    DATABASE_URL: ctx.database.url,
    AUTH_SECRET: "a".repeat(40),
    AUTH_MICROSOFT_ENTRA_ID_ID: ctx.emu.config.clientId,
    AUTH_MICROSOFT_ENTRA_ID_SECRET: ctx.emu.config.clientSecret,
    ENTRA_TENANT_ID: ctx.tenantId,
    ENTRA_AUTHORITY_HOST: ctx.emu.url,
    GRAPH_BASE_URL: ctx.emu.url,
    RECERT_ENCRYPTION_KEY: KEY,
  });
});
afterAll(async () => {
  await ctx?.close();
});

describe("sealed secrets (AES-256-GCM)", () => {
  const key = parseKey(KEY);
  it("round-trips, and refuses a tampered ciphertext, another row's data, or another key", () => {
    const s = seal("s3cret-value", key, "row-a");
    expect(s).not.toContain("s3cret");
    expect(open(s, key, "row-a")).toBe("s3cret-value");
    expect(seal("s3cret-value", key, "row-a")).not.toBe(s); // fresh IV each time
    const parts = s.split(".");
    const flipped = Buffer.from(parts[4]!, "base64url");
    flipped[0] = flipped[0]! ^ 1;
    expect(() => open([...parts.slice(0, 4), flipped.toString("base64url")].join("."), key, "row-a")).toThrow(
      /integrity check/,
    );
    expect(() => open(s, key, "row-b")).toThrow(/integrity check/);
    expect(() => open(s, randomBytes(32), "row-a")).toThrow(/another RECERT_ENCRYPTION_KEY/);
    expect(() => parseKey(undefined)).toThrow(/RECERT_ENCRYPTION_KEY is not set/);
    expect(() => parseKey("c2hvcnQ=")).toThrow(/32 bytes/);
  });
});

describe("the connection in use", () => {
  it("falls back to the sign-in app, uses a saved connection, and lets the environment win", async () => {
    const first = await resolveConnection(ctx.db, e);
    expect(first.ok && first.view.source).toBe("sign-in app");

    // A second secret the emulator accepts for the same app: the one saved in Settings must be the one used.
    const view = await saveConnection(ctx.db, e, admin, {
      tenantId: ctx.tenantId,
      clientId: ctx.emu.config.clientId,
      clientSecret: ctx.emu.config.clientSecret,
    });
    expect(view).toMatchObject({
      source: "settings",
      clientId: ctx.emu.config.clientId,
      secretHint: `••••${ctx.emu.config.clientSecret.slice(-4)}`,
      editable: true,
    });
    const row = await ctx.db.connectionSetting.findUniqueOrThrow({ where: { id: "default" } });
    expect(row.secretCipher).not.toContain(ctx.emu.config.clientSecret);
    expect(JSON.stringify(await ctx.db.auditEvent.findMany())).not.toContain(ctx.emu.config.clientSecret);
    const saved = await resolveConnection(ctx.db, e);
    expect(saved.ok && saved.connection.clientSecret).toBe(ctx.emu.config.clientSecret);
    expect(
      (await checkConnection((saved as { connection: Parameters<typeof checkConnection>[0] }).connection)).status,
    ).toBe("healthy");

    const envWins = {
      ...e,
      GRAPH_CLIENT_ID: "11111111-2222-4333-8444-555555555555",
      GRAPH_CLIENT_SECRET: "from-env-secret",
    };
    const r = await resolveConnection(ctx.db, envWins);
    expect(r.ok && [r.view.source, r.view.editable, r.connection.clientId, r.connection.clientSecret]).toEqual([
      "environment",
      false,
      "11111111-2222-4333-8444-555555555555",
      "from-env-secret",
    ]);
    await expect(
      saveConnection(ctx.db, envWins, admin, {
        tenantId: ctx.tenantId,
        clientId: ctx.emu.config.clientId,
        clientSecret: "x",
      }),
    ).rejects.toThrow(/environment, which wins/);
  });

  it("refuses to store without a key, for another tenant, or a new client id without its secret; nothing changes", async () => {
    const before = await ctx.db.connectionSetting.findUniqueOrThrow({ where: { id: "default" } });
    await expect(
      saveConnection(ctx.db, { ...e, RECERT_ENCRYPTION_KEY: undefined }, admin, {
        tenantId: ctx.tenantId,
        clientId: ctx.emu.config.clientId,
        clientSecret: "x",
      }),
    ).rejects.toThrow(UserError);
    await expect(
      saveConnection(ctx.db, e, admin, {
        tenantId: "00000000-0000-4000-8000-000000000001",
        clientId: ctx.emu.config.clientId,
        clientSecret: "x",
      }),
    ).rejects.toThrow(/not the tenant people sign in from/);
    await expect(
      saveConnection(ctx.db, e, admin, {
        tenantId: ctx.tenantId,
        clientId: "11111111-2222-4333-8444-555555555555",
        clientSecret: "",
      }),
    ).rejects.toThrow(/Enter the client secret/);
    expect(await ctx.db.connectionSetting.findUniqueOrThrow({ where: { id: "default" } })).toEqual(before);
    // An empty secret with the same client id keeps the stored one.
    await saveConnection(ctx.db, e, admin, {
      tenantId: ctx.tenantId,
      clientId: ctx.emu.config.clientId,
      clientSecret: "",
    });
    const r = await resolveConnection(ctx.db, e);
    expect(r.ok && r.connection.clientSecret).toBe(ctx.emu.config.clientSecret);
    // A key that changed since: the reason is said, nothing is guessed.
    const other = await resolveConnection(ctx.db, { ...e, RECERT_ENCRYPTION_KEY: randomBytes(32).toString("hex") });
    expect(other).toMatchObject({ ok: false, reason: expect.stringContaining("another RECERT_ENCRYPTION_KEY") });
  });

  it("a wrong secret saved is found by the health check and closes the sync gate; a good one reopens it", async () => {
    await saveConnection(ctx.db, e, admin, {
      tenantId: ctx.tenantId,
      clientId: ctx.emu.config.clientId,
      clientSecret: "wrong-secret",
    });
    const r = await resolveConnection(ctx.db, e);
    const health = await checkConnection((r as { connection: Parameters<typeof checkConnection>[0] }).connection);
    expect(health.problems[0]).toMatchObject({ kind: "secret", blocksSync: true });
    await saveHealth(ctx.db, health);
    expect(await syncGate(ctx.db, e)).toMatchObject({
      open: false,
      reason: expect.stringContaining("The client secret is wrong"),
    });

    await saveConnection(ctx.db, e, admin, {
      tenantId: ctx.tenantId,
      clientId: ctx.emu.config.clientId,
      clientSecret: ctx.emu.config.clientSecret,
    });
    const ok = await resolveConnection(ctx.db, e);
    await saveHealth(
      ctx.db,
      await checkConnection((ok as { connection: Parameters<typeof checkConnection>[0] }).connection),
    );
    expect(await syncGate(ctx.db, e)).toMatchObject({ open: true, source: "settings" });
  });

  it("a licence gap alone does not pause syncs", async () => {
    await saveHealth(ctx.db, {
      status: "needs_attention",
      checkedAt: new Date().toISOString(),
      problems: [{ kind: "licence", message: "no P1", fix: "", blocksSync: false }],
      permissions: [],
      probes: [],
    });
    expect((await syncGate(ctx.db, e)).open).toBe(true);
  });

  it("Disconnect deletes the stored credentials and stops syncs and writes; data stays until Purge, which keeps the evidence", async () => {
    const read = await resolveConnection(ctx.db, e);
    const sync = await runSync({
      db: ctx.db,
      graph: createSyncGraph((read as { connection: GraphConnection }).connection),
      tenantId: ctx.tenantId,
      databaseUrl: ctx.database.url,
      trigger: "cli",
      mode: "full",
    });
    expect(sync.status).toBe("succeeded");
    const users = await ctx.db.dirUser.count({ where: { tenantId: ctx.tenantId } });
    expect(users).toBeGreaterThan(0);

    await disconnect(ctx.db, e, admin);
    expect(await ctx.db.connectionSetting.count()).toBe(0);
    expect(await syncGate(ctx.db, e)).toMatchObject({ open: false, reason: expect.stringMatching(/^Disconnected/) });
    expect(await resolveConnection(ctx.db, e)).toMatchObject({ ok: false });
    const off = await graphFactory(ctx.db, withWriteApp(e));
    expect(() => off()).toThrow(/^Disconnected/);
    expect(await ctx.db.dirUser.count({ where: { tenantId: ctx.tenantId } })).toBe(users);

    const auditBefore = await ctx.db.auditEvent.count();
    const deleted = await purgeDirectory(ctx.db, e, admin);
    expect(deleted.DirUser).toBe(users);
    for (const t of [
      "dirUser",
      "dirGroup",
      "dirGroupMember",
      "dirRoleAssignment",
      "dirAppRoleAssignment",
      "dirMfaRegistration",
      "dirCaPolicy",
      "syncCursor",
    ] as const) {
      expect(
        await (ctx.db[t] as unknown as { count(a: object): Promise<number> }).count({
          where: { tenantId: ctx.tenantId },
        }),
        t,
      ).toBe(0);
    }
    expect(await ctx.db.auditEvent.count()).toBe(auditBefore + 1);
    expect((await verifyChain(ctx.db)).ok).toBe(true);
    expect(
      (await ctx.db.auditEvent.findMany({ orderBy: { seq: "asc" } }))
        .map((a) => a.action)
        .filter((a) => a.startsWith("connection.") || a.startsWith("directory.")),
    ).toEqual([
      "connection.save",
      "connection.save",
      "connection.save",
      "connection.save",
      "connection.disconnect",
      "directory.purge",
    ]);

    // Reconnecting with the sign-in app's credentials lifts the stop.
    await reconnect(ctx.db, e, admin);
    expect(await resolveConnection(ctx.db, e)).toMatchObject({ ok: true, view: { source: "sign-in app" } });
  });
});

// #16, least privilege: writes go through their own app registration, with a certificate, and never fall back.
describe("the write connection", () => {
  it("without a write app nothing is written, and nothing falls back to the sign-in or read app", async () => {
    await reconnect(ctx.db, e, admin);
    const r = await resolveWriteConnection(ctx.db, e);
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining("No write app is configured") });
    const factory = await graphFactory(ctx.db, e);
    expect(() => factory()).toThrow(/No write app is configured/);
  });

  it("uses the write app's certificate; its token carries the write permissions, the read app's does not", async () => {
    const r = await resolveWriteConnection(ctx.db, withWriteApp(e));
    expect(r).toMatchObject({
      ok: true,
      connection: { clientId: WRITE_CLIENT_ID, certificate: expect.anything() },
      view: {
        credential: "certificate",
        hint: expect.stringMatching(/^certificate [0-9A-F]{40} \(CN=Recert test write app\)/),
      },
    });
    expect((r as { connection: GraphConnection }).connection).not.toHaveProperty("clientSecret");
    const write = (await graphFactory(ctx.db, withWriteApp(e)))();
    expect(tokenRoles(await write.tokens.getToken())).toContain("GroupMember.ReadWrite.All");
    const read = await resolveConnection(ctx.db, withWriteApp(e));
    const readToken = await createSyncGraph((read as { connection: GraphConnection }).connection).tokens.getToken();
    expect(tokenRoles(readToken).filter((p) => /ReadWrite|EnableDisable/.test(p))).toEqual([]);
    const health = await checkConnection((r as { connection: GraphConnection }).connection, "write");
    expect(health).toMatchObject({ app: "write", status: "healthy", probes: [] });
    expect(health.permissions.map((p) => [p.name, p.granted])).toEqual([
      ["GroupMember.ReadWrite.All", true],
      ["RoleManagement.ReadWrite.Directory", true],
      ["AppRoleAssignment.ReadWrite.All", true],
      ["PrivilegedEligibilitySchedule.Remove.AzureADGroup", true],
      ["User.EnableDisableAccount.All", true],
    ]);
  });

  it("a certificate file that is missing, or is not a key and certificate, is a reason, not a crash", async () => {
    const missing = await resolveWriteConnection(ctx.db, {
      ...withWriteApp(e),
      GRAPH_WRITE_CLIENT_CERTIFICATE: "/nonexistent/w.pem",
    });
    expect(missing).toMatchObject({ ok: false, reason: expect.stringContaining("GRAPH_WRITE_CLIENT_CERTIFICATE") });
    const notPem = await resolveWriteConnection(ctx.db, {
      ...withWriteApp(e),
      GRAPH_WRITE_CLIENT_CERTIFICATE: __filename,
    });
    expect(notPem).toMatchObject({ ok: false, reason: expect.stringMatching(/neither PEM nor a PKCS#12/) });
  });

  it("the write app with a wrong certificate is named by its own health check and never pauses syncs", async () => {
    const other = writeCertificate().file.replace(/write-app\.pem$/, "other.pem");
    writeFileSync(other, makeCertificatePem("Recert test write app"));
    const r = await resolveWriteConnection(ctx.db, { ...withWriteApp(e), GRAPH_WRITE_CLIENT_CERTIFICATE: other });
    const health = await checkConnection((r as { connection: GraphConnection }).connection, "write");
    expect(health.problems).toEqual([
      expect.objectContaining({
        kind: "unexpected",
        blocksSync: false,
        message: expect.stringContaining("AADSTS700027"),
      }),
    ]);
  });

  it("the read app holding a write permission is named as excess privilege, without pausing syncs", async () => {
    const app = ctx.emu.tenant.apps.find((a) => a.clientId === ctx.emu.config.clientId)!;
    const before = [...app.graphPermissions];
    await ctx.control("POST", `/apps/${app.clientId}/permissions`, { roles: [...before, "GroupMember.ReadWrite.All"] });
    try {
      const read = await resolveConnection(ctx.db, e);
      const health = await checkConnection((read as { connection: GraphConnection }).connection, "read");
      expect(health.problems).toEqual([
        expect.objectContaining({
          kind: "privilege",
          blocksSync: false,
          message: expect.stringContaining("The read app holds GroupMember.ReadWrite.All"),
        }),
      ]);
    } finally {
      await ctx.control("POST", `/apps/${app.clientId}/permissions`, { roles: before });
    }
  });

  it("the environment refuses a write app that is the sign-in or read app, or has no or two credentials", () => {
    const base = {
      AUTH_SECRET: "a".repeat(40),
      AUTH_MICROSOFT_ENTRA_ID_ID: ctx.emu.config.clientId,
      AUTH_MICROSOFT_ENTRA_ID_SECRET: "s",
      ENTRA_TENANT_ID: ctx.tenantId,
    };
    const problems = (extra: Record<string, string>) => {
      try {
        parseEnv({ ...base, ...extra });
        return [];
      } catch (err) {
        return (err as EnvError).problems;
      }
    };
    expect(problems({ GRAPH_WRITE_CLIENT_ID: ctx.emu.config.clientId, GRAPH_WRITE_CLIENT_SECRET: "s" })).toEqual([
      expect.stringContaining("must be its own app registration"),
    ]);
    expect(problems({ GRAPH_WRITE_CLIENT_ID: WRITE_CLIENT_ID })).toEqual([
      expect.stringContaining("GRAPH_WRITE_CLIENT_CERTIFICATE (recommended) or GRAPH_WRITE_CLIENT_SECRET is required"),
    ]);
    expect(
      problems({
        GRAPH_WRITE_CLIENT_ID: WRITE_CLIENT_ID,
        GRAPH_WRITE_CLIENT_SECRET: "s",
        GRAPH_WRITE_CLIENT_CERTIFICATE: "/x.pem",
      }),
    ).toEqual([expect.stringContaining("both set")]);
    expect(problems({ GRAPH_WRITE_CLIENT_CERTIFICATE: "/x.pem" })).toEqual([
      expect.stringContaining("GRAPH_WRITE_CLIENT_ID is required"),
    ]);
    expect(problems({ GRAPH_WRITE_CLIENT_ID: WRITE_CLIENT_ID, GRAPH_WRITE_CLIENT_CERTIFICATE: "/x.pem" })).toEqual([]);
  });
});
