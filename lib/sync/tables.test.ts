import { afterAll, beforeAll, expect, test } from "vitest";
import { createClient } from "@/lib/db/client";
import { createTestDatabase, type TestDatabase } from "@/scripts/lib/test-db";
import { groupKind, mapCaPolicy, mapGroup, completeGroup, mapUser, mergeRow, parseCaTargeting } from "./map";
import { dialectOf, select, type SqlRunner } from "@/lib/db/sql";
import { allColumns, LIVE_TABLES, STAGE_TABLES, USER, USER_ACTIVITY, USER_MANAGER } from "./tables";

let database: TestDatabase;
let db: ReturnType<typeof createClient>;
beforeAll(async () => {
  database = await createTestDatabase();
  db = createClient(database.url);
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

async function columns(table: string): Promise<string[]> {
  const d = dialectOf(db as unknown as SqlRunner);
  const rows =
    d.engine === "sqlite"
      ? await select<{ name: string }>(db as unknown as SqlRunner, `SELECT name FROM pragma_table_info('${table}')`)
      : await select<{ name: string }>(
          db as unknown as SqlRunner,
          `SELECT column_name::text AS name FROM information_schema.columns WHERE table_name::text = $1`,
          table,
        );
  return rows.map((r) => r.name).sort();
}

test("lib/sync/tables.ts describes the migrated tables exactly (the raw SQL cannot drift from the schema)", async () => {
  for (const t of STAGE_TABLES)
    expect([t.stage, await columns(t.stage)]).toEqual([t.stage, ["runId", ...allColumns(t).map((c) => c.name)].sort()]);
  for (const t of LIVE_TABLES) {
    const extra = t === USER ? [...USER_ACTIVITY.columns, ...USER_MANAGER.columns].map((c) => c.name) : [];
    expect([t.live, await columns(t.live)]).toEqual([
      t.live,
      ["tenantId", ...allColumns(t).map((c) => c.name), ...extra].sort(),
    ]);
  }
});

test("group kinds and derived columns", () => {
  expect(groupKind(["Unified"], true, false)).toBe("m365");
  expect(groupKind([], false, true)).toBe("security");
  expect(groupKind([], true, true)).toBe("mailSecurity");
  expect(groupKind([], true, false)).toBe("distribution");
  const g = completeGroup(
    mapGroup({
      id: "g",
      displayName: "Dyn",
      groupTypes: ["DynamicMembership"],
      securityEnabled: true,
      mailEnabled: false,
      membershipRule: 'user.department -eq "Sales"',
    }),
  );
  expect(g).toMatchObject({
    kind: "security",
    isDynamic: true,
    membershipRule: 'user.department -eq "Sales"',
    isAssignableToRole: false,
  });
});

test("a partial delta object keeps the fields it did not carry", () => {
  const partial = mapUser({ id: "u", department: "New" });
  expect(partial.displayName).toBeUndefined();
  expect(mergeRow(partial, { id: "u", displayName: "Old Name", department: "Old" })).toMatchObject({
    displayName: "Old Name",
    department: "New",
    jobTitle: null,
  });
  expect(mapUser({ id: "u", jobTitle: null }).jobTitle).toBeNull();
});

test("conditional-access targeting is parsed from the policy", () => {
  const policy = {
    id: "p",
    displayName: "MFA for guests",
    state: "enabledForReportingButNotEnforced",
    conditions: {
      users: {
        includeUsers: ["GuestsOrExternalUsers"],
        excludeGroups: ["bg"],
        includeRoles: ["62e90394-69f5-4237-9190-012177145e10"],
        includeGuestsOrExternalUsers: { guestOrExternalUserTypes: "internalGuest,b2bCollaborationGuest" },
      },
      applications: { includeApplications: ["All"] },
      clientAppTypes: ["all"],
    },
    grantControls: {
      operator: "OR",
      builtInControls: [],
      authenticationStrength: { id: "00000000-0000-0000-0000-000000000004" },
    },
  };
  const t = parseCaTargeting(policy);
  expect(t.users.includeGuestsOrExternalUserTypes).toEqual(["internalGuest", "b2bCollaborationGuest"]);
  expect(t.users.excludeGroups).toEqual(["bg"]);
  expect(t.grant).toEqual({
    operator: "OR",
    builtInControls: [],
    authenticationStrengthId: "00000000-0000-0000-0000-000000000004",
  });
  expect(mapCaPolicy(policy)).toMatchObject({
    requiresMfa: true,
    blocks: false,
    state: "enabledForReportingButNotEnforced",
  });
  expect(JSON.parse(String(mapCaPolicy(policy).raw))).toEqual(policy);
});
