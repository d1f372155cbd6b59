import { SignJWT, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../server";
import { RECERT_GRAPH_PERMISSIONS, RECERT_WRITE_PERMISSIONS } from "../tenant/roles";
import {
  all,
  appToken,
  CLIENT_ID,
  control,
  graph,
  graphToken,
  start,
  TENANT,
  WRITE_CLIENT_ID,
  writeToken,
} from "./helpers";

let emu: RunningEmulator;
let token: string;
let signInToken: string;
beforeAll(async () => {
  emu = await start({ users: 1_200 });
  token = await graphToken(emu.url);
  signInToken = token;
});
afterAll(() => emu.close());

interface GraphErrorBody {
  error: { code: string; message: string; innerError: { "request-id": string; date: string } };
}

describe("Graph authentication and permissions", () => {
  it("refuses missing, forged and expired tokens with Graph's envelope", async () => {
    const none = await fetch(`${emu.url}/v1.0/users`);
    expect(none.status).toBe(401);
    const body = (await none.json()) as GraphErrorBody;
    expect(body.error.code).toBe("InvalidAuthenticationToken");
    expect(body.error.innerError["request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(none.headers.get("request-id")).toBe(body.error.innerError["request-id"]);

    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({ aud: "https://graph.microsoft.com", tid: TENANT, roles: ["User.Read.All"] })
      .setProtectedHeader({ alg: "RS256" })
      .setExpirationTime("1h")
      .sign(privateKey);
    expect((await graph(emu.url, forged, "/users")).status).toBe(401);

    await control(emu.url, "POST", "/token-lifetime", { seconds: 1 });
    const short = await graphToken(emu.url);
    await control(emu.url, "POST", "/token-lifetime", { seconds: 3599 });
    await new Promise((r) => setTimeout(r, 2_100));
    const expired = await graph(emu.url, short, "/users");
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as GraphErrorBody).error.message).toContain(
      "Lifetime validation failed, the token is expired",
    );
  });

  it("answers 403 Authorization_RequestDenied when a permission lacks consent", async () => {
    await control(emu.url, "POST", `/apps/${CLIENT_ID}/permissions`, { roles: ["User.Read.All"] });
    try {
      const limited = await graphToken(emu.url);
      expect((await graph(emu.url, limited, "/users?$top=1")).status).toBe(200);
      const denied = await graph(emu.url, limited, "/identity/conditionalAccess/policies");
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as GraphErrorBody).error).toMatchObject({
        code: "Authorization_RequestDenied",
        message: "Insufficient privileges to complete the operation.",
      });
      expect((await graph(emu.url, limited, "/users?$select=id,signInActivity&$top=10")).status).toBe(403);
    } finally {
      await control(emu.url, "POST", `/apps/${CLIENT_ID}/permissions`, {
        roles: [
          "Organization.Read.All",
          "User.Read.All",
          "AuditLog.Read.All",
          "GroupMember.Read.All",
          "RoleManagement.Read.Directory",
          "Application.Read.All",
          "Policy.Read.All",
          "PrivilegedEligibilitySchedule.Read.AzureADGroup",
          "PrivilegedAssignmentSchedule.Read.AzureADGroup",
          "GroupMember.ReadWrite.All",
          "RoleManagement.ReadWrite.Directory",
          "AppRoleAssignment.ReadWrite.All",
          "User.EnableDisableAccount.All",
        ],
      });
    }
  });

  it("reports an expired client secret as AADSTS7000222", async () => {
    await control(emu.url, "POST", `/apps/${CLIENT_ID}/secret-expired`, { expired: true });
    const res = await appToken(emu.url);
    await control(emu.url, "POST", `/apps/${CLIENT_ID}/secret-expired`, { expired: false });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error_codes: number[] }).error_codes).toEqual([7000222]);
  });
});

describe("Graph collections", () => {
  it("pages every user with $top=999 and nextLinks, no duplicates, only the selected fields", async () => {
    const { items, pages } = await all<{ id: string; userType: string; displayName?: string }>(
      emu.url,
      token,
      "/users?$top=999&$select=id,userType",
    );
    expect(pages).toBe(2);
    expect(items.length).toBe(1_200);
    expect(new Set(items.map((u) => u.id)).size).toBe(1_200);
    expect(Object.keys(items[0]!).sort()).toEqual(["id", "userType"]);
  });

  it("returns Graph's default user fields without $select and caps $top", async () => {
    const res = (await (await graph(emu.url, token, "/users?$top=1")).json()) as { value: Record<string, unknown>[] };
    expect(Object.keys(res.value[0]!)).toContain("userPrincipalName");
    expect(Object.keys(res.value[0]!)).not.toContain("accountEnabled");
    expect((await graph(emu.url, token, "/users?$top=1000")).status).toBe(400);
    expect((await graph(emu.url, token, "/users?$top=999&$select=id,signInActivity")).status).toBe(400);
    const { pages } = await all(emu.url, token, "/users?$top=500&$select=id,signInActivity");
    expect(pages).toBe(3);
  });

  it("filters the forms Recert uses and counts with ConsistencyLevel eventual", async () => {
    const guests = await all<{ userType: string }>(
      emu.url,
      token,
      "/users?$filter=userType eq 'Guest'&$select=id,userType&$top=999",
    );
    expect(guests.items.length).toBe(emu.tenant.users.filter((u) => u.userType === "Guest").length);
    expect(guests.items.every((u) => u.userType === "Guest")).toBe(true);
    const disabled = await all(emu.url, token, "/users?$filter=accountEnabled eq false&$top=999");
    expect(disabled.items.length).toBe(emu.tenant.users.filter((u) => !u.accountEnabled).length);
    // `ne` is an advanced query: refused without the header, answered with it.
    expect((await graph(emu.url, token, "/users?$filter=userType ne 'Guest'")).status).toBe(400);
    const counted = (await (
      await graph(emu.url, token, "/users?$filter=userType ne 'Guest'&$count=true&$top=5", {
        headers: { ConsistencyLevel: "eventual" },
      })
    ).json()) as { "@odata.count": number };
    expect(counted["@odata.count"]).toBe(emu.tenant.users.filter((u) => u.userType === "Member").length);
    expect((await graph(emu.url, token, "/users?$filter=bogus(x)")).status).toBe(400);
    const count = await graph(emu.url, token, "/users/$count", { headers: { ConsistencyLevel: "eventual" } });
    expect(await count.text()).toBe("1200");
  });

  it("expands managers, lists members with @odata.type, and answers 404 for no manager", async () => {
    const page = (await (
      await graph(emu.url, token, "/users?$select=id&$expand=manager($select=id)&$top=999")
    ).json()) as { value: { id: string; manager?: { id: string } }[] };
    const withManager = page.value.filter((u) => u.manager);
    expect(withManager.length).toBeGreaterThan(100);
    expect(withManager[0]!.manager!.id).toBe(emu.tenant.userById.get(withManager[0]!.id)!.managerId);
    const ceo = emu.tenant.users[0]!;
    const noMgr = await graph(emu.url, token, `/users/${ceo.id}/manager`);
    expect(noMgr.status).toBe(404);
    expect(((await noMgr.json()) as GraphErrorBody).error.code).toBe("Request_ResourceNotFound");
    const nested = emu.tenant.groups.find((g) => [...g.members].some((m) => emu.tenant.groupById.has(m)))!;
    const members = await all<{ "@odata.type": string; id: string }>(
      emu.url,
      token,
      `/groups/${nested.id}/members?$select=id`,
    );
    expect(members.items.length).toBe(nested.members.size);
    expect(members.items.some((m) => m["@odata.type"] === "#microsoft.graph.group")).toBe(true);
  });

  it("serves roles, apps, registration details (lower-case userType) and CA policies", async () => {
    const regs = await all<{ userType: string; isMfaRegistered: boolean }>(
      emu.url,
      token,
      "/reports/authenticationMethods/userRegistrationDetails?$top=999",
    );
    expect(regs.items.length).toBe(emu.tenant.users.filter((u) => u.accountEnabled).length);
    expect(new Set(regs.items.map((r) => r.userType))).toEqual(new Set(["member", "guest"]));
    const ra = await all<{ principalId: string }>(
      emu.url,
      token,
      `/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '62e90394-69f5-4237-9190-012177145e10'`,
    );
    expect(ra.items.length).toBeGreaterThanOrEqual(3);
    const sps = await all<{ id: string; displayName: string }>(
      emu.url,
      token,
      "/servicePrincipals?$select=id,appId,displayName,appRoles",
    );
    const sf = sps.items.find((s) => s.displayName === "Salesforce")!;
    const assigned = await all<{ id: string; principalType: string }>(
      emu.url,
      token,
      `/servicePrincipals/${sf.id}/appRoleAssignedTo?$top=999`,
    );
    expect(assigned.items.some((a) => a.principalType === "Group")).toBe(true);
    expect(assigned.items[0]!.id).not.toMatch(/^[0-9a-f-]{36}$/);
    const policies = await all<{ state: string }>(emu.url, token, "/identity/conditionalAccess/policies");
    expect(policies.items.length).toBe(7);
  });
});

describe("directoryRoles and a user's appRoleAssignments, as Graph serves them", () => {
  it("lists activated directory roles with their own ids and template ids (directoryrole-list)", async () => {
    const res = await graph(emu.url, token, "/directoryRoles");
    expect(res.status).toBe(200);
    const roles = ((await res.json()) as { value: Record<string, unknown>[] }).value;
    const active = new Set(emu.tenant.roleAssignments.map((a) => a.roleDefinitionId));
    expect(roles.map((r) => r.roleTemplateId).sort()).toEqual([...active].sort());
    for (const r of roles) {
      expect(Object.keys(r).sort()).toEqual(["deletedDateTime", "description", "displayName", "id", "roleTemplateId"]);
      expect(r.id).not.toBe(r.roleTemplateId);
    }
  });

  it("lists a user's app role assignments, direct and through groups, and needs Directory.Read.All, not User.Read.All", async () => {
    const viaGroup = emu.tenant.appRoleAssignments.find(
      (a) => a.principalType === "Group" && emu.tenant.groupById.get(a.principalId)!.members.size > 0,
    )!;
    const user = [...emu.tenant.groupById.get(viaGroup.principalId)!.members].find((m) => emu.tenant.userById.has(m))!;
    // The sign-in app holds User.Read.All and Application.Read.All: Graph still refuses this list.
    expect((await graph(emu.url, token, `/users/${user}/appRoleAssignments`)).status).toBe(403);
    const app = emu.tenant.apps.find((a) => a.clientId === CLIENT_ID)!;
    const before = [...app.graphPermissions];
    await control(emu.url, "POST", `/apps/${CLIENT_ID}/permissions`, { roles: [...before, "Directory.Read.All"] });
    try {
      const res = await graph(emu.url, await graphToken(emu.url), `/users/${user}/appRoleAssignments`);
      expect(res.status).toBe(200);
      const ids = ((await res.json()) as { value: { id: string }[] }).value.map((a) => a.id);
      const expected = emu.tenant.appRoleAssignments.filter(
        (a) =>
          a.principalId === user ||
          (a.principalType === "Group" && emu.tenant.groupById.get(a.principalId)!.members.has(user)),
      );
      expect(ids.sort()).toEqual(expected.map((a) => a.id).sort());
      expect(ids).toContain(viaGroup.id);
    } finally {
      await control(emu.url, "POST", `/apps/${CLIENT_ID}/permissions`, { roles: before });
    }
  });
});

describe("PIM for directory roles (#19), as Graph serves it", () => {
  const post = (t: string, kind: string, body: unknown) =>
    graph(emu.url, t, `/roleManagement/directory/${kind}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("lists eligibilities and active schedules with their periods, the principal on $expand, and needs P2", async () => {
    const { items: eligible } = await all(
      emu.url,
      token,
      "/roleManagement/directory/roleEligibilitySchedules?$expand=principal",
    );
    expect(eligible.map((e) => e.id).sort()).toEqual(emu.tenant.roleEligibilities.map((e) => e.id).sort());
    const permanent = eligible.find(
      (e) => (e.scheduleInfo as { expiration: { type: string } }).expiration.type === "noExpiration",
    );
    const timeBound = eligible.find(
      (e) => (e.scheduleInfo as { expiration: { type: string } }).expiration.type === "afterDateTime",
    );
    expect(permanent && timeBound).toBeTruthy();
    expect(timeBound).toMatchObject({ memberType: "Direct", status: "Provisioned", directoryScopeId: "/" });
    expect((timeBound!.principal as { id: string }).id).toBe(timeBound!.principalId);
    const { items: active } = await all(emu.url, token, "/roleManagement/directory/roleAssignmentSchedules");
    expect(active).toHaveLength(emu.tenant.roleAssignments.length);
    expect(
      active.filter((a) => (a.scheduleInfo as { expiration: { endDateTime: string | null } }).expiration.endDateTime),
    ).toHaveLength(2);
    expect(active.every((a) => a.assignmentType === "Assigned")).toBe(true);

    // P1 (and free): Graph's 400 AadPremiumLicenseRequired (maester365/maester#1421), on both lists.
    await control(emu.url, "POST", "/licence", { sku: "P1" });
    try {
      for (const path of ["roleEligibilitySchedules", "roleAssignmentSchedules"]) {
        const res = await graph(emu.url, token, `/roleManagement/directory/${path}`);
        expect(res.status).toBe(400);
        expect(((await res.json()) as GraphErrorBody).error).toMatchObject({
          code: "AadPremiumLicenseRequired",
          message: "The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.",
        });
      }
      // P1 still serves what P1 licenses.
      expect((await graph(emu.url, token, "/users?$select=id,signInActivity&$top=1")).status).toBe(200);
    } finally {
      await control(emu.url, "POST", "/licence", { sku: "P2" });
    }
  });

  it("removes an eligibility with adminRemove for the write app only; nothing to remove is 400 RoleAssignmentDoesNotExist", async () => {
    const e = emu.tenant.roleEligibilities[0]!;
    const body = {
      action: "adminRemove",
      principalId: e.principalId,
      roleDefinitionId: e.roleDefinitionId,
      directoryScopeId: e.directoryScopeId,
    };
    // The sign-in app reads roles, it does not write them.
    expect((await post(token, "roleEligibilityScheduleRequests", body)).status).toBe(403);
    const write = await writeToken(emu.url);
    const refused = await post(write, "roleEligibilityScheduleRequests", { ...body, action: "adminAssign" });
    expect(refused.status).toBe(400);
    const noScope = await post(write, "roleEligibilityScheduleRequests", { ...body, directoryScopeId: undefined });
    expect(noScope.status).toBe(400);
    const saved = [...emu.tenant.roleEligibilities];
    try {
      const res = await post(write, "roleEligibilityScheduleRequests", body);
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ action: "adminRemove", status: "Revoked", principalId: e.principalId });
      expect(emu.tenant.roleEligibilities.some((x) => x.id === e.id)).toBe(false);
      const again = await post(write, "roleEligibilityScheduleRequests", body);
      expect(again.status).toBe(400);
      expect(((await again.json()) as GraphErrorBody).error).toMatchObject({
        code: "RoleAssignmentDoesNotExist",
        message: "The Role assignment does not exist.",
      });
    } finally {
      emu.tenant.roleEligibilities = saved;
    }
  });
});

describe("PIM for Groups (#19), as Graph serves it", () => {
  const base = "/identityGovernance/privilegedAccess/group";
  const post = (t: string, kind: string, body: unknown) =>
    graph(emu.url, t, `${base}/${kind}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const q = (s: string) => encodeURIComponent(s);

  it("lists a governed group's eligibilities and assignments only when filtered by group or principal, and needs P2", async () => {
    const governed = emu.tenant.groups.filter((g) => g.pimOnboarded);
    expect(governed.length).toBeGreaterThan(0);
    const g = governed[0]!;
    // Unfiltered: refused, as the documentation says the filter is required.
    for (const list of ["eligibilitySchedules", "assignmentSchedules"]) {
      const res = await graph(emu.url, token, `${base}/${list}`);
      expect(res.status).toBe(400);
    }
    const { items: eligible } = await all(
      emu.url,
      token,
      `${base}/eligibilitySchedules?$filter=${q(`groupId eq '${g.id}'`)}`,
    );
    const expected = emu.tenant.groupSchedules.filter((s) => s.kind === "eligible" && s.groupId === g.id);
    expect(eligible.map((e) => e.id).sort()).toEqual(expected.map((e) => e.id).sort());
    expect(eligible.some((e) => e.accessId === "owner")).toBe(true);
    expect(eligible[0]).toMatchObject({ memberType: "direct", status: "Provisioned", groupId: g.id });
    // Every current member and owner is an active assignment; the one an admin made until a date carries its end.
    const { items: active } = await all(
      emu.url,
      token,
      `${base}/assignmentSchedules?$filter=${q(`groupId eq '${g.id}'`)}`,
    );
    expect(active).toHaveLength(g.members.size + g.owners.size);
    const ends = active.filter(
      (a) => (a.scheduleInfo as { expiration: { endDateTime: string | null } }).expiration.endDateTime,
    );
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ accessId: "member", assignmentType: "assigned" });
    // By principal, across groups.
    const p = expected[0]!.principalId;
    const { items: mine } = await all(
      emu.url,
      token,
      `${base}/eligibilitySchedules?$filter=${q(`principalId eq '${p}'`)}`,
    );
    expect(mine.every((e) => e.principalId === p)).toBe(true);
    expect(mine.length).toBeGreaterThan(0);
    // A group not governed by PIM has none.
    const plain = emu.tenant.groups.find((x) => !x.pimOnboarded && x.members.size)!;
    const { items: none } = await all(
      emu.url,
      token,
      `${base}/assignmentSchedules?$filter=${q(`groupId eq '${plain.id}'`)}`,
    );
    expect(none).toHaveLength(0);
    // The sync app without the PIM for Groups permissions (Group.Read.All does not serve): 403.
    await control(emu.url, "POST", `/apps/${CLIENT_ID}/permissions`, {
      roles: ["GroupMember.Read.All", "Directory.Read.All"],
    });
    try {
      const limited = await graphToken(emu.url);
      expect(
        (await graph(emu.url, limited, `${base}/eligibilitySchedules?$filter=${q(`groupId eq '${g.id}'`)}`)).status,
      ).toBe(403);
    } finally {
      await control(emu.url, "POST", `/apps/${CLIENT_ID}/permissions`, { roles: RECERT_GRAPH_PERMISSIONS });
    }
    await control(emu.url, "POST", "/licence", { sku: "P1" });
    try {
      const res = await graph(emu.url, token, `${base}/eligibilitySchedules?$filter=${q(`groupId eq '${g.id}'`)}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as GraphErrorBody).error.code).toBe("AadPremiumLicenseRequired");
    } finally {
      await control(emu.url, "POST", "/licence", { sku: "P2" });
    }
  });

  it("removes an eligible membership with adminRemove for the write app only; an active one ends the membership", async () => {
    const e = emu.tenant.groupSchedules.find((s) => s.kind === "eligible" && s.accessId === "member")!;
    const body = { action: "adminRemove", accessId: "member", principalId: e.principalId, groupId: e.groupId };
    expect((await post(token, "eligibilityScheduleRequests", body)).status).toBe(403);
    const write = await writeToken(emu.url);
    expect((await post(write, "eligibilityScheduleRequests", { ...body, action: "adminAssign" })).status).toBe(400);
    expect((await post(write, "eligibilityScheduleRequests", { ...body, accessId: "admin" })).status).toBe(400);
    const saved = [...emu.tenant.groupSchedules];
    const g = emu.tenant.groupById.get(e.groupId)!;
    const member = [...g.members][0]!;
    try {
      const res = await post(write, "eligibilityScheduleRequests", body);
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ action: "adminRemove", status: "Revoked", accessId: "member" });
      expect(emu.tenant.groupSchedules.some((x) => x.id === e.id)).toBe(false);
      const again = await post(write, "eligibilityScheduleRequests", body);
      expect(again.status).toBe(400);
      expect(((await again.json()) as GraphErrorBody).error.code).toBe("RoleAssignmentDoesNotExist");
      // An eligibility is not a membership: the eligible person was never in the group.
      expect(g.members.has(e.principalId)).toBe(false);
      // Removing an active assignment takes the person out of the group (the write app holds only the eligibility
      // removal permission: refused first).
      const active = { ...body, principalId: member };
      expect((await post(write, "assignmentScheduleRequests", active)).status).toBe(403);
      await control(emu.url, "POST", `/apps/${WRITE_CLIENT_ID}/permissions`, {
        roles: [...RECERT_WRITE_PERMISSIONS, "PrivilegedAssignmentSchedule.Remove.AzureADGroup"],
      });
      const ended = await post(await writeToken(emu.url), "assignmentScheduleRequests", active);
      expect(ended.status).toBe(201);
      expect(g.members.has(member)).toBe(false);
    } finally {
      await control(emu.url, "POST", `/apps/${WRITE_CLIENT_ID}/permissions`, { roles: RECERT_WRITE_PERMISSIONS });
      emu.tenant.groupSchedules = saved;
      g.members.add(member);
    }
  });
});

describe("Graph delta queries", () => {
  it("returns everything first, then exactly what changed, with @removed", async () => {
    const first = await all<{ id: string }>(emu.url, token, "/users/delta?$select=displayName,accountEnabled");
    expect(first.items.length).toBe(emu.tenant.users.length);
    const deltaLink = first.last["@odata.deltaLink"] as string;
    expect(deltaLink).toContain("$deltatoken=");

    const created = (await (
      await control(emu.url, "POST", "/users", {
        displayName: "Delta Person",
        userPrincipalName: "delta.person@contoso.onmicrosoft.com",
      })
    ).json()) as { id: string };
    const changed = emu.tenant.users[10]!;
    await control(emu.url, "PATCH", `/users/${changed.id}`, { accountEnabled: false });
    const removed = emu.tenant.users[11]!;
    await control(emu.url, "DELETE", `/users/${removed.id}`);

    const res = (await (await graph(emu.url, token, deltaLink)).json()) as {
      value: Record<string, unknown>[];
      "@odata.deltaLink": string;
    };
    const byId = new Map(res.value.map((v) => [v.id as string, v]));
    expect(byId.size).toBe(3);
    expect(byId.get(created.id)).toMatchObject({ displayName: "Delta Person" });
    expect(byId.get(changed.id)).toMatchObject({ accountEnabled: false });
    // A deleted user is soft-deleted in Entra: "changed", not "deleted" (which means gone for good).
    expect(byId.get(removed.id)).toEqual({ id: removed.id, "@removed": { reason: "changed" } });
    // Nothing changed since: an empty round.
    const none = (await (await graph(emu.url, token, res["@odata.deltaLink"])).json()) as { value: unknown[] };
    expect(none.value).toEqual([]);
  });

  // #16: shapes checked against Microsoft's published metadata and Graph's responses.
  it("$select returns every selected property, null when unset, and names the selection in @odata.context", async () => {
    const noDept = emu.tenant.users.find((u) => u.department === null || u.department === undefined);
    const res = (await (
      await graph(emu.url, token, "/users?$select=id,displayName,department,employeeType&$top=999")
    ).json()) as {
      "@odata.context": string;
      value: Record<string, unknown>[];
    };
    expect(res["@odata.context"]).toMatch(/\$metadata#users\(id,displayName,department,employeeType\)$/);
    for (const u of res.value)
      expect(Object.keys(u).sort()).toEqual(["department", "displayName", "employeeType", "id"]);
    expect(noDept).toBeDefined();
    const one = (await (await graph(emu.url, token, `/users/${noDept!.id}?$select=id,department`)).json()) as Record<
      string,
      unknown
    >;
    expect(one).toMatchObject({ id: noDept!.id, department: null });
  });

  it("userRegistrationDetails uses Graph's enum for no preferred method: 'none', never an empty string", async () => {
    const list = await all<{ userPreferredMethodForSecondaryAuthentication: string }>(
      emu.url,
      token,
      "/reports/authenticationMethods/userRegistrationDetails",
    );
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.some((r) => r.userPreferredMethodForSecondaryAuthentication === "none")).toBe(true);
    expect(list.items.every((r) => r.userPreferredMethodForSecondaryAuthentication !== "")).toBe(true);
  });

  it("reports membership changes as members@delta, and refuses $top", async () => {
    expect((await graph(emu.url, token, "/groups/delta?$top=5")).status).toBe(400);
    const first = await all<{ id: string; "members@delta"?: { id: string }[] }>(
      emu.url,
      token,
      "/groups/delta?$select=displayName,members,owners",
    );
    const membersSeen = first.items.reduce((n, g) => n + (g["members@delta"]?.length ?? 0), 0);
    expect(membersSeen).toBe(emu.tenant.groups.reduce((n, g) => n + g.members.size, 0));
    const group = emu.tenant.groups.find((g) => g.displayName === "Production Access")!;
    const out = [...group.members].find((m) => emu.tenant.userById.has(m))!;
    const newcomer = emu.tenant.users.find((u) => !group.members.has(u.id) && u.userType === "Member")!;
    await control(emu.url, "DELETE", `/groups/${group.id}/members/${out}`);
    await control(emu.url, "POST", `/groups/${group.id}/members`, { id: newcomer.id });
    const res = (await (await graph(emu.url, token, first.last["@odata.deltaLink"] as string)).json()) as {
      value: { id: string; "members@delta": Record<string, unknown>[] }[];
    };
    expect(res.value).toHaveLength(1);
    // Only its members changed, yet Graph sends the group's selected properties with them (#16).
    expect(res.value[0]).toMatchObject({ id: group.id, displayName: group.displayName });
    expect(res.value[0]!["members@delta"]).toEqual(
      expect.arrayContaining([
        { "@odata.type": "#microsoft.graph.user", id: out, "@removed": { reason: "deleted" } },
        { "@odata.type": "#microsoft.graph.user", id: newcomer.id },
      ]),
    );
  });

  it("answers 410 syncStateNotFound for an invalidated delta token", async () => {
    const first = await all(emu.url, token, "/users/delta?$select=displayName");
    await control(emu.url, "POST", "/delta/invalidate");
    const res = await graph(emu.url, token, first.last["@odata.deltaLink"] as string);
    expect(res.status).toBe(410);
    expect(((await res.json()) as GraphErrorBody).error.code).toBe("syncStateNotFound");
  });
});

describe("Graph $batch, writes and faults", () => {
  it("runs up to 20 requests per batch, each with its own status", async () => {
    const guests = emu.tenant.users.filter((u) => u.userType === "Guest").slice(0, 19);
    const requests = [
      ...guests.map((g, i) => ({ id: String(i + 1), method: "GET", url: `/users/${g.id}/sponsors` })),
      { id: "20", method: "GET", url: "/users/00000000-0000-4000-8000-000000000000" },
    ];
    const res = (await (
      await graph(emu.url, token, "/$batch", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ requests }),
      })
    ).json()) as { responses: { id: string; status: number; body: { value?: { id: string }[] } }[] };
    expect(res.responses).toHaveLength(20);
    const byId = new Map(res.responses.map((r) => [r.id, r]));
    expect(byId.get("20")!.status).toBe(404);
    expect(byId.get("1")!.body.value!.map((s) => s.id)).toEqual(guests[0]!.sponsorIds);
    const tooMany = await graph(emu.url, token, "/$batch", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: "/organization" })),
      }),
    });
    expect(tooMany.status).toBe(400);
  });

  it("removes members, role and app assignments for real; a second delete is 404", async () => {
    // Only the write app holds the write permissions; the sign-in app's token is refused.
    const reader = signInToken;
    const token = await writeToken(emu.url);
    const first = emu.tenant.groups.find((g) => g.displayName === "Engineering - Platform")!;
    expect(
      (await graph(emu.url, reader, `/groups/${first.id}/members/${[...first.members][0]}/$ref`, { method: "DELETE" }))
        .status,
    ).toBe(403);
    const group = emu.tenant.groups.find((g) => g.displayName === "Engineering - Platform")!;
    const member = [...group.members][0]!;
    expect(
      (await graph(emu.url, token, `/groups/${group.id}/members/${member}/$ref`, { method: "DELETE" })).status,
    ).toBe(204);
    expect(emu.tenant.groupById.get(group.id)!.members.has(member)).toBe(false);
    expect(
      (await graph(emu.url, token, `/groups/${group.id}/members/${member}/$ref`, { method: "DELETE" })).status,
    ).toBe(404);
    const dynamic = emu.tenant.groups.find((g) => g.groupTypes.includes("DynamicMembership"))!;
    expect(
      (
        await graph(emu.url, token, `/groups/${dynamic.id}/members/${[...dynamic.members][0]}/$ref`, {
          method: "DELETE",
        })
      ).status,
    ).toBe(400);
    const ra = emu.tenant.roleAssignments[0]!;
    expect(
      (await graph(emu.url, token, `/roleManagement/directory/roleAssignments/${ra.id}`, { method: "DELETE" })).status,
    ).toBe(204);
    expect(emu.tenant.roleAssignments.some((a) => a.id === ra.id)).toBe(false);
    const ara = emu.tenant.appRoleAssignments.find((a) => a.principalType === "User")!;
    expect(
      (
        await graph(emu.url, token, `/servicePrincipals/${ara.resourceId}/appRoleAssignedTo/${ara.id}`, {
          method: "DELETE",
        })
      ).status,
    ).toBe(204);
    const user = emu.tenant.users.find((u) => u.accountEnabled && u.userType === "Guest")!;
    expect(
      (
        await graph(emu.url, token, `/users/${user.id}`, {
          method: "PATCH",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ accountEnabled: false }),
        })
      ).status,
    ).toBe(204);
    expect(emu.tenant.userById.get(user.id)!.accountEnabled).toBe(false);
  });

  it("throttles with 429 + Retry-After, except conditional access which sends none", async () => {
    await control(emu.url, "POST", "/faults", { throttle: 1, count: 2 });
    const a = await graph(emu.url, token, "/users?$top=1");
    expect(a.status).toBe(429);
    expect(a.headers.get("retry-after")).toBe("1");
    expect(((await a.json()) as GraphErrorBody).error.code).toBe("TooManyRequests");
    const b = await graph(emu.url, token, "/identity/conditionalAccess/policies");
    expect(b.status).toBe(429);
    expect(b.headers.get("retry-after")).toBeNull();
    expect((await graph(emu.url, token, "/users?$top=1")).status).toBe(200);
  });

  it("injects 503s and dropped connections", async () => {
    await control(emu.url, "POST", "/faults", { faultRate: 1, count: 1 });
    expect((await graph(emu.url, token, "/organization")).status).toBe(503);
    await control(emu.url, "POST", "/faults", { count: 1 });
    await expect(graph(emu.url, token, "/organization")).rejects.toThrow();
    expect((await graph(emu.url, token, "/organization")).status).toBe(200);
  });

  it("guards the control endpoint with the admin key", async () => {
    expect((await fetch(`${emu.url}/_emulator/summary`)).status).toBe(401);
    const s = (await (await control(emu.url, "GET", "/summary")).json()) as { users: number };
    expect(s.users).toBe(emu.tenant.users.length);
  });
});
