import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "@/emulator/server";
import { checkConnection } from "./check-connection";

const TENANT = "8c3dad1d-b6bc-4f8b-939b-8263372eced6";
const CLIENT = "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
let emu: RunningEmulator;
const control = (path: string, body: unknown) =>
  fetch(`${emu.url}/_emulator${path}`, {
    method: "POST",
    headers: { "x-emulator-admin-key": "emulator-admin-key", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const conn = (o: Partial<{ tenantId: string; clientSecret: string }> = {}) => ({
  baseUrl: emu.url,
  authorityHost: emu.url,
  tenantId: TENANT,
  clientId: CLIENT,
  clientSecret: "recert-demo-client-secret",
  ...o,
});

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
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
    const all = [
      "Organization.Read.All",
      "User.Read.All",
      "AuditLog.Read.All",
      "GroupMember.Read.All",
      "RoleManagement.Read.Directory",
      "Application.Read.All",
      "Policy.Read.All",
      "GroupMember.ReadWrite.All",
      "RoleManagement.ReadWrite.Directory",
      "AppRoleAssignment.ReadWrite.All",
      "User.EnableDisableAccount.All",
    ];
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
});
