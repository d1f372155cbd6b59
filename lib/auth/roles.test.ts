import { describe, expect, it } from "vitest";
import { roleFromClaims, signInRefusal } from "./roles";

describe("roleFromClaims", () => {
  it("maps Entra app roles to Recert roles, admin first", () => {
    expect(roleFromClaims(["Recert.Admin"])).toBe("admin");
    expect(roleFromClaims(["Recert.Auditor", "Recert.Admin"])).toBe("admin");
    expect(roleFromClaims(["Recert.Auditor"])).toBe("auditor");
  });
  it("makes every other tenant user a reviewer, whatever the claim holds", () => {
    expect(roleFromClaims(undefined)).toBe("reviewer");
    expect(roleFromClaims([])).toBe("reviewer");
    expect(roleFromClaims("Recert.Admin")).toBe("reviewer"); // a string, not the claim's array shape
    expect(roleFromClaims(["recert.admin", "Admin"])).toBe("reviewer"); // role values are case-sensitive
    expect(roleFromClaims([{ value: "Recert.Admin" }])).toBe("reviewer");
  });
});

describe("signInRefusal", () => {
  const tenant = "8c3dad1d-b6bc-4f8b-939b-8263372eced6";
  it("admits a user of this tenant", () => {
    expect(signInRefusal({ oid: "u1", tid: tenant }, tenant)).toBeUndefined();
    expect(signInRefusal({ oid: "u1", tid: tenant.toUpperCase() }, tenant)).toBeUndefined();
  });
  it("refuses another tenant, a missing tenant and a token without a user", () => {
    expect(signInRefusal({ oid: "u1", tid: "72f988bf-86f1-41af-91ab-2d7cd011db47" }, tenant)).toBe("WrongTenant");
    expect(signInRefusal({ oid: "u1" }, tenant)).toBe("WrongTenant");
    expect(signInRefusal({ tid: tenant }, tenant)).toBe("WrongTenant");
    expect(signInRefusal({ oid: 42, tid: tenant }, tenant)).toBe("WrongTenant");
  });
});
