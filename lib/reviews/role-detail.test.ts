/** The role item's detail (#19): what freeze writes, apply reads back; anything else is refused, never "tenant-wide". */
import { expect, test } from "vitest";
import { writeOpFor } from "./apply";
import { formatRoleDetail, parseRoleDetail, type RoleDetail } from "./role-detail";

test("every detail freeze writes reads back as written, a scope with spaces or a dot included", () => {
  const cases: RoleDetail[] = [
    { state: "active", until: null, scope: "/" },
    { state: "active", until: "2027-01-31", scope: "/" },
    { state: "eligible", until: null, scope: "/administrativeUnits/5d6b6bb7-de71-4623-b4af-96380a352509" },
    { state: "eligible", until: "2026-12-24", scope: "/a scope · with separators" },
  ];
  for (const d of cases) expect(parseRoleDetail(formatRoleDetail(d))).toEqual(d);
  expect(formatRoleDetail(cases[1]!)).toBe("active until 2027-01-31 · tenant-wide");
});

test("apply names the schedule from the detail, and refuses a detail it cannot read instead of taking the tenant", () => {
  const item = { id: "i1", principalId: "p1", resourceId: "r1", accessId: "a1" };
  expect(writeOpFor({ ...item, resourceType: "directoryRole", accessDetail: "active · tenant-wide" })).toEqual({
    kind: "removeRoleAssignment",
    assignmentId: "a1",
  });
  expect(
    writeOpFor({ ...item, resourceType: "directoryRole", accessDetail: "active until 2027-01-31 · scope /au/1" }),
  ).toMatchObject({ kind: "removeRoleAssignmentSchedule", directoryScopeId: "/au/1", roleDefinitionId: "r1" });
  expect(
    writeOpFor({ ...item, resourceType: "directoryRoleEligible", accessDetail: "eligible · tenant-wide" }),
  ).toMatchObject({ kind: "removeRoleEligibility", directoryScopeId: "/", principalId: "p1" });
  // An item frozen before #19 ("tenant-wide" / "scope …" on an active assignment) is removed by DELETE as it was.
  expect(writeOpFor({ ...item, resourceType: "directoryRole", accessDetail: "scope /au/1" })).toEqual({
    kind: "removeRoleAssignment",
    assignmentId: "a1",
  });
  for (const [resourceType, accessDetail] of [
    ["directoryRoleEligible", "tenant-wide"],
    ["directoryRoleEligible", "eligible · somewhere"],
    ["directoryRoleEligible", "active · tenant-wide"],
    ["directoryRole", "eligible · tenant-wide"],
    ["directoryRoleEligible", null],
  ] as const)
    expect(() => writeOpFor({ ...item, resourceType, accessDetail })).toThrow(/cannot be read/);
});
