import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "@/emulator/server";
import { createGraphClient } from "@/lib/graph";
import { checkConnection } from "./check-connection";

const TENANT = "8c3dad1d-b6bc-4f8b-939b-8263372eced6";
const CLIENT = "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
let emu: RunningEmulator;
/** Every permission the emulator consents for the sign-in (read) app by default: the least privileged read of each need. */
const ALL = [
  "Organization.Read.All",
  "User.Read.All",
  "AuditLog.Read.All",
  "GroupMember.Read.All",
  "RoleManagement.Read.Directory",
  "Application.Read.All",
  "Policy.Read.All",
  "PrivilegedEligibilitySchedule.Read.AzureADGroup",
  "PrivilegedAssignmentSchedule.Read.AzureADGroup",
];
const WRITE_CLIENT = "7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const WRITE_SECRET = "write-app-secret";

const control = (path: string, body: unknown) =>
  fetch(`${emu.url}/_emulator${path}`, {
    method: "POST",
    headers: { "x-emulator-admin-key": "emulator-admin-key", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const conn = (o: Partial<{ tenantId: string; clientId: string; clientSecret: string }> = {}) => ({
  baseUrl: emu.url,
  authorityHost: emu.url,
  tenantId: TENANT,
  clientId: CLIENT,
  clientSecret: "recert-demo-client-secret",
  ...o,
});

beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    writeApp: { clientId: WRITE_CLIENT, secret: WRITE_SECRET, keyCredentials: [] },
  });
});
afterAll(() => emu.close());

describe("checkConnection", () => {
  it("reports a fully consented, licensed tenant as healthy", async () => {
    const h = await checkConnection(conn());
    expect(h.problems).toEqual([]);
    expect(h.status).toBe("healthy");
    expect(h.permissions.every((p) => p.granted)).toBe(true);
    expect(h.probes.every((p) => p.ok)).toBe(true);
  });

  it("names a wrong tenant and a bad or expired secret", async () => {
    expect(
      (await checkConnection(conn({ tenantId: "00000000-0000-4000-8000-000000000000" }))).problems[0],
    ).toMatchObject({ kind: "tenant", message: expect.stringContaining("AADSTS90002") });
    expect((await checkConnection(conn({ clientSecret: "nope" }))).problems[0]).toMatchObject({
      kind: "secret",
      message: "The client secret is wrong. (AADSTS7000215)",
    });
    await control(`/apps/${CLIENT}/secret-expired`, { expired: true });
    try {
      expect((await checkConnection(conn())).problems[0]).toMatchObject({
        kind: "secret",
        message: expect.stringContaining("expired"),
      });
    } finally {
      await control(`/apps/${CLIENT}/secret-expired`, { expired: false });
    }
  });

  it("names each permission that lacks admin consent, even though a token is issued", async () => {
    const all = ALL;
    await control(`/apps/${CLIENT}/permissions`, {
      roles: all.filter((r) => r !== "AuditLog.Read.All" && r !== "Policy.Read.All"),
    });
    try {
      const h = await checkConnection(conn());
      expect(h.status).toBe("needs_attention");
      expect(h.permissions.filter((p) => !p.granted).map((p) => p.name)).toEqual([
        "AuditLog.Read.All",
        "Policy.Read.All",
      ]);
      expect(h.problems.filter((p) => p.kind === "permission").map((p) => p.message)).toEqual([
        expect.stringContaining("AuditLog.Read.All has no admin consent"),
        expect.stringContaining("Policy.Read.All has no admin consent"),
      ]);
      expect(h.probes.find((p) => p.name === "conditional access")).toMatchObject({
        ok: false,
        status: 403,
        code: "Authorization_RequestDenied",
      });
    } finally {
      await control(`/apps/${CLIENT}/permissions`, { roles: all });
    }
  });

  it("names the PIM for Groups permissions when missing without pausing syncs (the sync skips that kind)", async () => {
    await control(`/apps/${CLIENT}/permissions`, { roles: ALL.filter((r) => !r.startsWith("Privileged")) });
    try {
      const h = await checkConnection(conn());
      expect(h.status).toBe("needs_attention");
      expect(h.problems.map((p) => [p.kind, p.blocksSync, p.message.split(" ")[0]])).toEqual([
        ["permission", false, "PrivilegedEligibilitySchedule.Read.AzureADGroup"],
        ["permission", false, "PrivilegedAssignmentSchedule.Read.AzureADGroup"],
      ]);
    } finally {
      await control(`/apps/${CLIENT}/permissions`, { roles: ALL });
    }
  });

  it("tells a missing P1/P2 licence apart from a missing permission", async () => {
    await control("/licence", { sku: "free" });
    try {
      const h = await checkConnection(conn());
      expect(h.permissions.every((p) => p.granted)).toBe(true);
      const licence = h.problems.filter((p) => p.kind === "licence").map((p) => p.message);
      expect(licence).toHaveLength(3);
      expect(licence.join(" ")).toContain("sign-in activity");
      expect(licence.join(" ")).toContain("conditional-access policies");
      expect(h.problems.some((p) => p.kind === "permission")).toBe(false);
    } finally {
      await control("/licence", { sku: "P2" });
    }
  });

  // #16: real Graph documents only $filter/$expand on roleDefinitions and refuses $top there with 400; the
  // emulator now does too, so a probe that sends $top would pause every sync of a healthy tenant.
  it("probes only with parameters Graph accepts: the roles probe succeeds where $top is refused", async () => {
    const token = await createGraphClient(conn()).tokens.getToken();
    const top = await fetch(`${emu.url}/v1.0/roleManagement/directory/roleDefinitions?$top=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(top.status).toBe(400);
    const h = await checkConnection(conn());
    expect(h.probes.find((p) => p.name === "directory roles")).toMatchObject({ ok: true, status: 200 });
    expect(h.status).toBe("healthy");
  });

  it("a probe Graph answers with 400 is inconclusive and named, never a reason to pause syncs", async () => {
    await control("/faults", { badRequest: true, count: 1, pathPrefix: "/groups" });
    try {
      const h = await checkConnection(conn());
      expect(h.probes.find((p) => p.name === "groups")).toMatchObject({ ok: false, status: 400 });
      expect(h.problems).toEqual([
        expect.objectContaining({
          kind: "probe",
          blocksSync: false,
          message: expect.stringContaining("groups check was inconclusive"),
        }),
      ]);
    } finally {
      await control("/faults/reset", {});
    }
  });

  it("accepts the higher-privileged permissions Graph documents for each need (Directory.Read.All and co.)", async () => {
    await control(`/apps/${CLIENT}/permissions`, {
      // No Directory permission serves PIM for Groups (privilegedaccessgroup-list-eligibilityschedules).
      roles: [
        "Directory.Read.All",
        "AuditLog.Read.All",
        "Policy.Read.All",
        "PrivilegedEligibilitySchedule.Read.AzureADGroup",
        "PrivilegedAssignmentSchedule.Read.AzureADGroup",
      ],
    });
    try {
      const h = await checkConnection(conn());
      expect(h.problems).toEqual([]);
      expect(h.status).toBe("healthy");
      expect(h.permissions.find((p) => p.name === "GroupMember.Read.All")).toMatchObject({
        granted: true,
        via: "Directory.Read.All",
      });
    } finally {
      await control(`/apps/${CLIENT}/permissions`, { roles: ALL });
    }
    await control(`/apps/${WRITE_CLIENT}/permissions`, {
      roles: [
        "Directory.ReadWrite.All",
        "RoleManagement.ReadWrite.Directory",
        "AppRoleAssignment.ReadWrite.All",
        "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
      ],
    });
    const w = await checkConnection(conn({ clientId: WRITE_CLIENT, clientSecret: WRITE_SECRET }), "write");
    expect([w.status, w.problems]).toEqual(["healthy", []]);
    expect(w.permissions.find((p) => p.name === "User.EnableDisableAccount.All")).toMatchObject({
      granted: true,
      via: "Directory.ReadWrite.All",
    });
  });

  it("names a write permission on the read app as excess privilege, and a missing one on the write app, neither pausing syncs", async () => {
    await control(`/apps/${CLIENT}/permissions`, { roles: [...ALL, "Directory.ReadWrite.All"] });
    try {
      const h = await checkConnection(conn());
      expect(h.problems).toEqual([
        expect.objectContaining({
          kind: "privilege",
          blocksSync: false,
          message: "The read app holds Directory.ReadWrite.All: whoever obtains its credentials can change the tenant.",
        }),
      ]);
      expect(h.permissions.every((p) => p.granted)).toBe(true);
    } finally {
      await control(`/apps/${CLIENT}/permissions`, { roles: ALL });
    }
    await control(`/apps/${WRITE_CLIENT}/permissions`, { roles: ["GroupMember.ReadWrite.All"] });
    const w = await checkConnection(conn({ clientId: WRITE_CLIENT, clientSecret: WRITE_SECRET }), "write");
    expect(w.problems.map((p) => [p.kind, p.blocksSync, p.message.split(" ")[0]])).toEqual([
      ["permission", false, "RoleManagement.ReadWrite.Directory"],
      ["permission", false, "AppRoleAssignment.ReadWrite.All"],
      ["permission", false, "PrivilegedEligibilitySchedule.Remove.AzureADGroup"],
      ["permission", false, "User.EnableDisableAccount.All"],
    ]);
    // The sign-in app's own check knows nothing of write needs: a read app is complete without them.
    expect((await checkConnection(conn())).permissions.map((p) => p.name)).not.toContain("GroupMember.ReadWrite.All");
  });

  it("an access token it cannot read (Microsoft: treat them as opaque) leaves the verdict to the probes", async () => {
    await control(`/apps/${CLIENT}/opaque-tokens`, { opaque: true });
    try {
      const healthy = await checkConnection(conn());
      expect(healthy.status).toBe("healthy");
      expect(healthy.permissions.every((p) => p.granted === null)).toBe(true);
      await control(`/apps/${CLIENT}/permissions`, { roles: ALL.filter((r) => r !== "Policy.Read.All") });
      const missing = await checkConnection(conn());
      expect(missing.problems).toEqual([
        expect.objectContaining({
          kind: "permission",
          blocksSync: true,
          message: expect.stringContaining("conditional access"),
        }),
      ]);
    } finally {
      await control(`/apps/${CLIENT}/opaque-tokens`, { opaque: false });
      await control(`/apps/${CLIENT}/permissions`, { roles: ALL });
    }
  });
});
