import { describe, expect, it } from "vitest";
import { roleFromClaims } from "./roles";

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
