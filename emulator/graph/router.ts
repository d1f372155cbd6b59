import { randomBytes, randomUUID } from "node:crypto";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { errors as joseErrors } from "jose";
import { type EmulatorConfig, ownGraphRoots } from "../config";
import { graphError, json, type Req, type Res } from "../http";
import type { KeySet } from "../oidc/keys";
import { resolveOpaque, verify } from "../oidc/keys";
import type { EAppRoleAssignment, Tenant } from "../tenant/model";
import { deleteUser, removeMember, removeOwner, TenantError, updateUser } from "../tenant/mutate";
import { DeltaState } from "./delta";
import { MailStore, sendMail } from "./mail";
import { page, parseQuery, QueryError, type Query } from "./paging";
import {
  applicationObject,
  appRoleAssignmentObject,
  directoryRoleObject,
  directoryObject,
  groupAssignmentScheduleObject,
  groupEligibilityScheduleObject,
  groupObject,
  project,
  registrationObject,
  roleAssignmentObject,
  roleAssignmentScheduleObject,
  roleEligibilityScheduleObject,
  spObject,
  USER_DEFAULT_FIELDS,
  userObject,
} from "./serialize";

/**
 * The application permissions each endpoint accepts, least privileged first, as Microsoft's Graph v1.0 reference
 * lists them ("Permissions" table of user-delta, group-delta, rbacapplication-list-roledefinitions,
 * serviceprincipal-list, conditionalaccessroot-list-policies, organization-list, group-delete-members,
 * unifiedroleassignment-delete, serviceprincipal-delete-approleassignedto, user-update).
 */
const P = {
  users: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  audit: ["AuditLog.Read.All"],
  groups: [
    "GroupMember.Read.All",
    "Group.Read.All",
    "Directory.Read.All",
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    "Directory.ReadWrite.All",
  ],
  roles: [
    "RoleManagement.Read.Directory",
    "Directory.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "Directory.ReadWrite.All",
  ],
  apps: ["Application.Read.All", "Directory.Read.All", "Application.ReadWrite.All", "Directory.ReadWrite.All"],
  policies: ["Policy.Read.All"],
  org: ["Organization.Read.All", "Directory.Read.All", "User.Read.All"],
  // user-list-approleassignments: Directory.Read.All is the least privileged; User.Read.All is not enough.
  userAppRoles: ["Directory.Read.All", "AppRoleAssignment.ReadWrite.All", "Directory.ReadWrite.All"],
  writeMembers: ["GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"],
  writeRoles: ["RoleManagement.ReadWrite.Directory"],
  writeAppRoles: ["AppRoleAssignment.ReadWrite.All"],
  disableUser: ["User.EnableDisableAccount.All", "User.ReadWrite.All", "Directory.ReadWrite.All"],
  // user-sendmail: Mail.Send only ("Higher privileged permissions: Not available").
  sendMail: ["Mail.Send"],
  deleteUser: ["User.ReadWrite.All"],
  // PIM (#19): rbacapplication-list-roleeligibilityschedules, -roleassignmentschedules, -post-roleeligibilityschedulerequests,
  // -post-roleassignmentschedulerequests. Directory.Read.All is not among them.
  pimEligibilities: [
    "RoleEligibilitySchedule.Read.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
  ],
  pimAssignments: [
    "RoleAssignmentSchedule.Read.Directory",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
  ],
  // The .Remove.Directory permissions (removal only, the least privilege for Recert's write app) are accepted too, as the
  // current v1.0 permissions tables list them.
  writePimEligibilities: [
    "RoleEligibilitySchedule.Remove.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
  ],
  writePimAssignments: [
    "RoleAssignmentSchedule.Remove.Directory",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
  ],
  // PIM for Groups (#19): privilegedaccessgroup-list-eligibilityschedules, -list-assignmentschedules,
  // -post-eligibilityschedulerequests, -post-assignmentschedulerequests. Neither Group nor Directory permissions serve.
  pimGroupEligibilities: [
    "PrivilegedEligibilitySchedule.Read.AzureADGroup",
    "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
  ],
  pimGroupAssignments: [
    "PrivilegedAssignmentSchedule.Read.AzureADGroup",
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
  ],
  writePimGroupEligibilities: [
    "PrivilegedEligibilitySchedule.Remove.AzureADGroup",
    "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
  ],
  writePimGroupAssignments: [
    "PrivilegedAssignmentSchedule.Remove.AzureADGroup",
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
  ],
};

interface Caller {
  roles: Set<string>;
  appId: string;
}

type Handler = (req: Req, q: Query, caller: Caller, m: RegExpExecArray) => Res | Promise<Res>;

/** Graph's answer to a cloud write on an object synced from Active Directory (microsoft-graph-docs#7301). */
function onPremisesMastered(req: Req): Res {
  return graphError(
    400,
    "Request_BadRequest",
    "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.",
    req,
  );
}

export class GraphRouter {
  readonly delta: DeltaState;
  readonly mail = new MailStore();
  private routes: [string, RegExp, Handler][] = [];

  constructor(
    private readonly cfg: EmulatorConfig,
    private readonly tenant: () => Tenant,
    private readonly keys: KeySet,
  ) {
    this.delta = new DeltaState(() => cfg.deltaTokenMaxAgeS);
    this.register();
  }

  private get t(): Tenant {
    return this.tenant();
  }

  private denied(req: Req): Res {
    return graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", req);
  }

  /** What Graph answers a tenant without Entra ID P1/P2 for premium reports and policies. */
  private unlicensed(req: Req): Res | undefined {
    if (this.cfg.licence !== "free") return undefined;
    return graphError(
      403,
      "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
      "Neither tenant is B2C or tenant doesn't have premium license",
      req,
    );
  }

  /**
   * PIM without Entra ID P2 (or ID Governance): 400 AadPremiumLicenseRequired, as Graph answered on
   * roleEligibilityScheduleInstances in maester365/maester#1421 (a 400, not the 403 of the P1 reports).
   */
  private withoutP2(req: Req): Res | undefined {
    if (this.cfg.licence === "P2") return undefined;
    return graphError(
      400,
      "AadPremiumLicenseRequired",
      "The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.",
      req,
    );
  }

  /**
   * POST roleEligibilityScheduleRequests / roleAssignmentScheduleRequests with action adminRemove (the only action
   * Recert sends; others are refused here): principalId, roleDefinitionId and directoryScopeId (or appScopeId) name the
   * schedule; 201 with the request, status Revoked (the documentation's example 2). Nothing to remove: 400
   * RoleAssignmentDoesNotExist ("The Role assignment does not exist.", Microsoft's PIM error table).
   */
  private scheduleRequest(req: Req, c: Caller, of: "eligibility" | "assignment"): Res {
    const parsed = this.pimRequestBody(req, c, of === "eligibility" ? P.writePimEligibilities : P.writePimAssignments);
    if ("refused" in parsed) return parsed.refused;
    const { body } = parsed;
    const principalId = typeof body.principalId === "string" ? body.principalId : "";
    const roleDefinitionId = typeof body.roleDefinitionId === "string" ? body.roleDefinitionId : "";
    const scope = typeof body.directoryScopeId === "string" ? body.directoryScopeId : undefined;
    if (!principalId || !roleDefinitionId)
      return graphError(400, "BadRequest", "principalId and roleDefinitionId are required.", req);
    if (scope === undefined && typeof body.appScopeId !== "string")
      return graphError(400, "BadRequest", "Either directoryScopeId or appScopeId is required.", req);
    if (body.action !== "adminRemove")
      return graphError(
        400,
        "BadRequest",
        `The emulator implements action adminRemove only, not '${String(body.action)}'.`,
        req,
      );
    const match = (a: { principalId: string; roleDefinitionId: string; directoryScopeId: string }) =>
      a.principalId === principalId && a.roleDefinitionId === roleDefinitionId && a.directoryScopeId === scope;
    const before = of === "eligibility" ? this.t.roleEligibilities.length : this.t.roleAssignments.length;
    if (of === "eligibility") this.t.roleEligibilities = this.t.roleEligibilities.filter((e) => !match(e));
    // An activation is ended by its holder (selfDeactivate) or by removing the eligibility, not by adminRemove.
    else this.t.roleAssignments = this.t.roleAssignments.filter((a) => a.assignmentType === "Activated" || !match(a));
    const after = of === "eligibility" ? this.t.roleEligibilities.length : this.t.roleAssignments.length;
    if (after === before)
      return graphError(400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.", req);
    const now = new Date().toISOString();
    const common = {
      id: randomUUID(),
      status: "Revoked",
      createdDateTime: now,
      completedDateTime: null,
      approvalId: null,
      customData: null,
      action: "adminRemove" as const,
      principalId,
      roleDefinitionId,
      directoryScopeId: scope ?? null,
      appScopeId: typeof body.appScopeId === "string" ? body.appScopeId : null,
      isValidationOnly: false,
      targetScheduleId: null,
      justification: typeof body.justification === "string" ? body.justification : null,
      scheduleInfo: null,
      createdBy: { application: { id: c.appId, displayName: null }, device: null, user: null },
      ticketInfo: { ticketNumber: null, ticketSystem: null },
    };
    const entity = of === "eligibility" ? "roleEligibilityScheduleRequests" : "roleAssignmentScheduleRequests";
    return json(201, {
      "@odata.context": `${this.cfg.publicUrl}/v1.0/$metadata#roleManagement/directory/${entity}/$entity`,
      ...(of === "eligibility"
        ? (common satisfies MSGraph.UnifiedRoleEligibilityScheduleRequest)
        : (common satisfies MSGraph.UnifiedRoleAssignmentScheduleRequest)),
    });
  }

  /**
   * PIM for Groups lists (privilegedaccessgroup-list-eligibilityschedules / -assignmentschedules): "This method requires
   * the $filter (eq) query parameter to scope the request to a principalId or a groupId." Without one Graph refuses
   * the request (400; the wording here is the emulator's). A group not governed by PIM has no schedules.
   */
  /** An app's or a registration's owners, as the directory objects Graph lists (serviceprincipal-/application-list-owners). */
  private ownersPage(req: Req, q: Query, ids: string[]): Res {
    const list = ids.map((id) => directoryObject(this.t, id)).filter((o): o is Record<string, unknown> => Boolean(o));
    return page(req, this.cfg.publicUrl, "directoryObjects", q, list, { maxTop: 999 });
  }

  private groupSchedules(req: Req, q: Query, c: Caller, of: "eligibility" | "assignment"): Res {
    if (!this.need(c, of === "eligibility" ? P.pimGroupEligibilities : P.pimGroupAssignments)) return this.denied(req);
    const refused = this.withoutP2(req);
    if (refused) return refused;
    const scoped = /\b(groupId|principalId)\s+eq\s+'([^']*)'/i.exec(q.filter ?? "");
    if (!scoped)
      return graphError(
        400,
        "BadRequest",
        "This request must be scoped with $filter on groupId or principalId (eq).",
        req,
      );
    // Only the named group's (or every governed group's, for a principal) objects are made; $filter then applies.
    const byGroup = scoped[1]!.toLowerCase() === "groupid" ? scoped[2]! : undefined;
    const list: Record<string, unknown>[] = [];
    if (of === "eligibility") {
      for (const s of this.t.groupSchedules)
        if (
          s.kind === "eligible" &&
          (!byGroup || s.groupId === byGroup) &&
          this.t.groupById.get(s.groupId)?.pimOnboarded
        )
          list.push(groupEligibilityScheduleObject(s));
    } else {
      const ends = new Map(
        this.t.groupSchedules
          .filter((s) => s.kind === "active" && (!byGroup || s.groupId === byGroup))
          .map((s) => [`${s.groupId}:${s.principalId}:${s.accessId}`, s] as const),
      );
      const one = byGroup ? this.t.groupById.get(byGroup) : undefined;
      // The usual request, filtered by the group alone: each page makes only its own objects (a group of 5,000
      // members read in 50 pages would otherwise make 250,000), so the emulator's cost does not swamp the sync's.
      if (one && /^\s*groupId\s+eq\s+'[^']*'\s*$/i.test(q.filter ?? "")) {
        if (!one.pimOnboarded)
          return page(
            req,
            this.cfg.publicUrl,
            "identityGovernance/privilegedAccess/group/assignmentSchedules",
            { ...q, filter: undefined },
            [],
            { maxTop: 999 },
          );
        const members = [...one.members];
        const owners = [...one.owners];
        const at = (i: number) => {
          const [accessId, id] =
            i < members.length ? (["member", members[i]!] as const) : (["owner", owners[i - members.length]!] as const);
          return id === undefined
            ? undefined
            : groupAssignmentScheduleObject(one.id, id, accessId, ends.get(`${one.id}:${id}:${accessId}`));
        };
        return page(
          req,
          this.cfg.publicUrl,
          "identityGovernance/privilegedAccess/group/assignmentSchedules",
          { ...q, filter: undefined },
          { length: members.length + owners.length, at },
          { maxTop: 999 },
        );
      }
      for (const g of byGroup ? (one ? [one] : []) : this.t.groups) {
        if (!g.pimOnboarded) continue;
        for (const [accessId, ids] of [
          ["member", g.members],
          ["owner", g.owners],
        ] as const)
          for (const id of ids)
            list.push(groupAssignmentScheduleObject(g.id, id, accessId, ends.get(`${g.id}:${id}:${accessId}`)));
      }
    }
    const entity = of === "eligibility" ? "eligibilitySchedules" : "assignmentSchedules";
    return page(req, this.cfg.publicUrl, `identityGovernance/privilegedAccess/group/${entity}`, q, list, {
      maxTop: 999,
    });
  }

  /**
   * POST privilegedAccess/group/eligibilityScheduleRequests / assignmentScheduleRequests with action adminRemove:
   * accessId, groupId and principalId name what is removed; 201 with the request, status Revoked. Removing an active
   * assignment ends the membership or ownership itself. Nothing to remove: 400 RoleAssignmentDoesNotExist, as for
   * directory roles (Microsoft's PIM error table names no code of its own for groups).
   */
  private groupScheduleRequest(req: Req, c: Caller, of: "eligibility" | "assignment"): Res {
    const parsed = this.pimRequestBody(
      req,
      c,
      of === "eligibility" ? P.writePimGroupEligibilities : P.writePimGroupAssignments,
    );
    if ("refused" in parsed) return parsed.refused;
    const { body } = parsed;
    const principalId = typeof body.principalId === "string" ? body.principalId : "";
    const groupId = typeof body.groupId === "string" ? body.groupId : "";
    const accessId: "member" | "owner" | undefined =
      body.accessId === "member" ? "member" : body.accessId === "owner" ? "owner" : undefined;
    if (!principalId || !groupId || !accessId)
      return graphError(400, "BadRequest", "principalId, groupId and accessId (member or owner) are required.", req);
    if (body.action !== "adminRemove")
      return graphError(
        400,
        "BadRequest",
        `The emulator implements action adminRemove only, not '${String(body.action)}'.`,
        req,
      );
    const g = this.t.groupById.get(groupId);
    let removed = false;
    if (g?.pimOnboarded && of === "eligibility") {
      const before = this.t.groupSchedules.length;
      this.t.groupSchedules = this.t.groupSchedules.filter(
        (s) =>
          !(s.kind === "eligible" && s.groupId === groupId && s.principalId === principalId && s.accessId === accessId),
      );
      removed = this.t.groupSchedules.length < before;
    } else if (g?.pimOnboarded) {
      const set = accessId === "member" ? g.members : g.owners;
      if (set.has(principalId)) {
        if (accessId === "member") removeMember(this.t, groupId, principalId);
        else removeOwner(this.t, groupId, principalId);
        removed = true;
      }
    }
    if (!removed) return graphError(400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.", req);
    const now = new Date().toISOString();
    const common = {
      id: randomUUID(),
      status: "Revoked",
      createdDateTime: now,
      completedDateTime: null,
      approvalId: null,
      customData: null,
      action: "adminRemove" as const,
      accessId,
      groupId,
      principalId,
      isValidationOnly: false,
      targetScheduleId: null,
      justification: typeof body.justification === "string" ? body.justification : null,
      scheduleInfo: null,
      createdBy: { application: { id: c.appId, displayName: null }, device: null, user: null },
      ticketInfo: { ticketNumber: null, ticketSystem: null },
    };
    const entity = of === "eligibility" ? "eligibilityScheduleRequests" : "assignmentScheduleRequests";
    return json(201, {
      "@odata.context": `${this.cfg.publicUrl}/v1.0/$metadata#identityGovernance/privilegedAccess/group/${entity}/$entity`,
      ...(of === "eligibility"
        ? (common satisfies MSGraph.PrivilegedAccessGroupEligibilityScheduleRequest)
        : (common satisfies MSGraph.PrivilegedAccessGroupAssignmentScheduleRequest)),
    });
  }

  /** A PIM schedule request's body, or the refusal: permission first, then the licence, then the JSON. */
  private pimRequestBody(
    req: Req,
    c: Caller,
    permissions: string[],
  ): { body: Record<string, unknown> } | { refused: Res } {
    if (!this.need(c, permissions)) return { refused: this.denied(req) };
    const refused = this.withoutP2(req);
    if (refused) return { refused };
    try {
      return { body: JSON.parse(req.body || "{}") as Record<string, unknown> };
    } catch {
      return { refused: graphError(400, "BadRequest", "Invalid JSON body.", req) };
    }
  }

  private need(caller: Caller, any: string[]): boolean {
    return any.some((r) => caller.roles.has(r));
  }

  async authenticate(req: Req): Promise<Caller | Res> {
    const h = req.headers.authorization;
    if (!h?.startsWith("Bearer ")) return graphError(401, "InvalidAuthenticationToken", "Access token is empty.", req);
    try {
      const claims = await verify(this.keys, resolveOpaque(this.keys, h.slice(7)), [
        "https://graph.microsoft.com",
        "00000003-0000-0000-c000-000000000000",
        ...ownGraphRoots(this.cfg),
      ]);
      if (claims.tid !== this.t.id)
        return graphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.", req);
      // Application permissions only: delegated tokens (scp) get none of the app-only endpoints.
      const roles = Array.isArray(claims.roles) ? (claims.roles as string[]) : [];
      return { roles: new Set(roles), appId: String(claims.appid ?? claims.azp ?? "") };
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired)
        return graphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.", req);
      if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === "aud")
        return graphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.", req);
      return graphError(401, "InvalidAuthenticationToken", "Access token validation failure.", req);
    }
  }

  /** Dispatch one request (also used for $batch items) after authentication. */
  async dispatch(req: Req, caller: Caller): Promise<Res> {
    const path = req.path.replace(/^\/v1\.0/, "").replace(/\/+$/, "") || "/";
    let q: Query;
    try {
      q = parseQuery(req);
    } catch (e) {
      if (e instanceof QueryError) return graphError(400, e.code, e.message, req);
      throw e;
    }
    for (const [method, re, handler] of this.routes) {
      if (method !== req.method) continue;
      const m = re.exec(path);
      if (!m) continue;
      try {
        return await handler(req, q, caller, m);
      } catch (e) {
        if (e instanceof TenantError) return graphError(e.status, e.code, e.message, req);
        throw e;
      }
    }
    const segment = path.split("/").filter(Boolean).pop() ?? "";
    return graphError(400, "BadRequest", `Resource not found for the segment '${segment}'.`, req);
  }

  private on(method: string, pattern: string, handler: Handler): void {
    const re = new RegExp(`^${pattern.replace(/\{(\w+)\}/g, "([^/]+)")}$`);
    this.routes.push([method, re, handler]);
  }

  private notFound(req: Req, id: string): Res {
    return graphError(
      404,
      "Request_ResourceNotFound",
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      req,
    );
  }

  private register(): void {
    const adminIds = () =>
      new Set(
        this.t.roleAssignments.flatMap((a) =>
          this.t.groupById.get(a.principalId) ? [...this.t.groupById.get(a.principalId)!.members] : [a.principalId],
        ),
      );

    this.on("GET", "/organization", (req, q, c) =>
      this.need(c, P.org)
        ? page(req, this.cfg.publicUrl, "organization", q, [this.t.organization as Record<string, unknown>], {
            maxTop: 999,
          })
        : this.denied(req),
    );

    this.on("GET", "/users", (req, q, c) => {
      if (!this.need(c, P.users)) return this.denied(req);
      const wantsSignIn = (q.select ?? []).includes("signInActivity") || (q.filter ?? "").includes("signInActivity");
      if (wantsSignIn && !this.need(c, P.audit)) return this.denied(req);
      if (wantsSignIn && this.unlicensed(req)) return this.unlicensed(req)!;
      const expandManager = q.expand?.startsWith("manager");
      if (q.expand && !expandManager)
        return graphError(400, "Request_BadRequest", `Invalid $expand '${q.expand}'.`, req);
      const users = this.t.users;
      const res = page(
        req,
        this.cfg.publicUrl,
        "users",
        q,
        { length: users.length, at: (i) => (users[i] ? userObject(users[i]!) : undefined) },
        { maxTop: wantsSignIn ? 500 : 999, defaults: USER_DEFAULT_FIELDS },
      );
      if (expandManager && res.status === 200) {
        const body = JSON.parse(String(res.body)) as { value: Record<string, unknown>[] };
        for (const v of body.value) {
          const mgr = this.t.userById.get(String(v.id))?.managerId;
          const m = mgr ? this.t.userById.get(mgr) : undefined;
          if (m)
            v.manager =
              /\$select=id\)?$/.test(q.expand!) || q.expand!.includes("$select=id")
                ? { "@odata.type": "#microsoft.graph.user", id: m.id }
                : { "@odata.type": "#microsoft.graph.user", ...userObject(m) };
        }
        return json(200, body);
      }
      return res;
    });
    this.on("GET", "/users/\\$count", (req, q, c) => {
      if (!this.need(c, P.users)) return this.denied(req);
      if (!q.eventual)
        return graphError(
          400,
          "Request_BadRequest",
          "$count is not currently supported without the ConsistencyLevel:eventual header.",
          req,
        );
      return { status: 200, headers: { "content-type": "text/plain" }, body: String(this.t.users.length) };
    });
    this.on("GET", "/users/delta", (req, _q, c) =>
      this.need(c, P.users) ? this.delta.handle(req, this.t, this.cfg.publicUrl, "users") : this.denied(req),
    );
    const findUser = (key: string) =>
      this.t.userById.get(key) ?? this.t.userByUpn.get(decodeURIComponent(key).toLowerCase());
    this.on("GET", "/users/{id}", (req, q, c, m) => {
      if (!this.need(c, P.users)) return this.denied(req);
      const u = findUser(m[1]!);
      if (!u) return this.notFound(req, m[1]!);
      if ((q.select ?? []).includes("signInActivity") && !this.need(c, P.audit)) return this.denied(req);
      return json(200, {
        "@odata.context": `${this.cfg.publicUrl}/v1.0/$metadata#users/$entity`,
        ...project(userObject(u), q.select, USER_DEFAULT_FIELDS),
      });
    });
    this.on("PATCH", "/users/{id}", (req, _q, c, m) => {
      if (!this.need(c, P.disableUser)) return this.denied(req);
      const u = findUser(m[1]!);
      if (!u) return this.notFound(req, m[1]!);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(req.body || "{}") as Record<string, unknown>;
      } catch {
        return graphError(400, "Request_BadRequest", "Invalid JSON body.", req);
      }
      // A user synced from Active Directory is mastered there; a cloud write is refused (#16; the same 400 as for
      // a synced group, microsoft-graph-docs#7301), and a block would be undone by the next AD sync anyway.
      if (u.onPremises) return onPremisesMastered(req);
      const keys = Object.keys(body);
      if (keys.some((k) => k !== "accountEnabled") || typeof body.accountEnabled !== "boolean")
        return graphError(400, "Request_BadRequest", "Only accountEnabled (boolean) can be updated here.", req);
      updateUser(this.t, u.id, { accountEnabled: body.accountEnabled });
      return { status: 204, headers: {}, body: "" };
    });
    // user-delete (v1.0): User.ReadWrite.All is the least privileged application permission ("Higher: Not available");
    // app-only, it "isn't enough privilege to delete users with privileged administrative roles": 403 then. 204; the
    // user goes to deletedItems (restorable for 30 days; not emulated). A user synced from AD is mastered there.
    this.on("DELETE", "/users/{id}", (req, _q, c, m) => {
      if (!this.need(c, P.deleteUser)) return this.denied(req);
      const u = findUser(m[1]!);
      if (!u) return this.notFound(req, m[1]!);
      if (u.onPremises) return onPremisesMastered(req);
      if (this.t.roleAssignments.some((a) => a.principalId === u.id)) return this.denied(req);
      deleteUser(this.t, u.id);
      return { status: 204, headers: {}, body: "" };
    });
    this.on("POST", "/users/{id}/sendMail", (req, _q, c, m) => {
      // Exchange's own refusal, not Entra's Authorization_RequestDenied.
      if (!this.need(c, P.sendMail))
        return graphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.", req);
      return sendMail(this.mail, findUser(m[1]!), decodeURIComponent(m[1]!), req);
    });
    this.on("GET", "/users/{id}/manager", (req, q, c, m) => {
      if (!this.need(c, P.users)) return this.denied(req);
      const u = findUser(m[1]!);
      if (!u) return this.notFound(req, m[1]!);
      const mgr = u.managerId ? this.t.userById.get(u.managerId) : undefined;
      if (!mgr) return this.notFound(req, "manager");
      return json(200, {
        "@odata.context": `${this.cfg.publicUrl}/v1.0/$metadata#directoryObjects/$entity`,
        ...project(directoryObject(this.t, mgr.id)!, q.select),
      });
    });
    this.on("GET", "/users/{id}/sponsors", (req, q, c, m) => {
      if (!this.need(c, P.users)) return this.denied(req);
      const u = findUser(m[1]!);
      if (!u) return this.notFound(req, m[1]!);
      const list = u.sponsorIds
        .map((id) => directoryObject(this.t, id))
        .filter((x): x is Record<string, unknown> => Boolean(x));
      return page(req, this.cfg.publicUrl, "directoryObjects", q, list, { maxTop: 999 });
    });
    this.on("GET", "/users/{id}/memberOf", (req, q, c, m) => {
      if (!this.need(c, P.users) || !this.need(c, P.groups)) return this.denied(req);
      const u = findUser(m[1]!);
      if (!u) return this.notFound(req, m[1]!);
      const list = this.t.groups
        .filter((g) => g.members.has(u.id))
        .map((g) => ({ "@odata.type": "#microsoft.graph.group", ...groupObject(g) }));
      return page(req, this.cfg.publicUrl, "directoryObjects", q, list, { maxTop: 999 });
    });

    this.on("GET", "/groups", (req, q, c) => {
      if (!this.need(c, P.groups)) return this.denied(req);
      const gs = this.t.groups;
      return page(
        req,
        this.cfg.publicUrl,
        "groups",
        q,
        { length: gs.length, at: (i) => (gs[i] ? groupObject(gs[i]!) : undefined) },
        { maxTop: 999 },
      );
    });
    this.on("GET", "/groups/\\$count", (req, q, c) => {
      if (!this.need(c, P.groups)) return this.denied(req);
      if (!q.eventual)
        return graphError(
          400,
          "Request_BadRequest",
          "$count is not currently supported without the ConsistencyLevel:eventual header.",
          req,
        );
      return { status: 200, headers: { "content-type": "text/plain" }, body: String(this.t.groups.length) };
    });
    this.on("GET", "/groups/delta", (req, _q, c) =>
      this.need(c, P.groups) ? this.delta.handle(req, this.t, this.cfg.publicUrl, "groups") : this.denied(req),
    );
    this.on("GET", "/groups/{id}", (req, q, c, m) => {
      if (!this.need(c, P.groups)) return this.denied(req);
      const g = this.t.groupById.get(m[1]!);
      return g
        ? json(200, {
            "@odata.context": `${this.cfg.publicUrl}/v1.0/$metadata#groups/$entity`,
            ...project(groupObject(g), q.select),
          })
        : this.notFound(req, m[1]!);
    });
    const relation =
      (kind: "members" | "owners" | "transitiveMembers"): Handler =>
      (req, q, c, m) => {
        if (!this.need(c, P.groups)) return this.denied(req);
        const g = this.t.groupById.get(m[1]!);
        if (!g) return this.notFound(req, m[1]!);
        let ids: string[];
        if (kind === "transitiveMembers") {
          const seen = new Set<string>();
          const walk = (grp: typeof g) => {
            for (const id of grp.members) {
              if (seen.has(id)) continue;
              seen.add(id);
              const child = this.t.groupById.get(id);
              if (child) walk(child);
            }
          };
          walk(g);
          ids = [...seen];
        } else ids = [...g[kind]];
        return page(
          req,
          this.cfg.publicUrl,
          "directoryObjects",
          q,
          { length: ids.length, at: (i) => directoryObject(this.t, ids[i]!) },
          { maxTop: 999 },
        );
      };
    this.on("GET", "/groups/{id}/members", relation("members"));
    this.on("GET", "/groups/{id}/owners", relation("owners"));
    this.on("GET", "/groups/{id}/transitiveMembers", relation("transitiveMembers"));
    this.on("DELETE", "/groups/{id}/members/{member}/\\$ref", (req, _q, c, m) => {
      if (!this.need(c, P.writeMembers)) return this.denied(req);
      const g = this.t.groupById.get(m[1]!);
      if (!g) return this.notFound(req, m[1]!);
      if (g.isAssignableToRole && !this.need(c, P.writeRoles)) return this.denied(req);
      // A group synced from Active Directory is mastered there: Graph refuses to change it (microsoft-graph-docs#7301
      // reports this message for synced objects; the source of authority stays on-premises unless converted).
      if (g.onPremisesSyncEnabled) return onPremisesMastered(req);
      if (g.groupTypes.includes("DynamicMembership"))
        return graphError(
          400,
          "Request_BadRequest",
          "Insufficient privileges to complete the operation. Members of a dynamic group cannot be changed; change the membership rule instead.",
          req,
        );
      if (g.mailEnabled && !g.groupTypes.includes("Unified"))
        return graphError(
          400,
          "Request_BadRequest",
          "Cannot Update a mail-enabled security groups and or distribution list.",
          req,
        );
      removeMember(this.t, g.id, m[2]!);
      return { status: 204, headers: {}, body: "" };
    });

    // Microsoft documents only $filter and $expand for this list, and real Graph is reported (issue #16) to refuse
    // $top here with 400, "requires a minimum page size"; the emulator refuses it the same way.
    this.on("GET", "/roleManagement/directory/roleDefinitions", (req, q, c) =>
      q.top !== undefined
        ? graphError(
            400,
            "BadRequest",
            "The $top query option is not supported on roleDefinitions: it requires a minimum page size.",
            req,
          )
        : this.need(c, P.roles)
          ? page(
              req,
              this.cfg.publicUrl,
              "roleManagement/directory/roleDefinitions",
              q,
              this.t.roleDefinitions as Record<string, unknown>[],
              { maxTop: 999 },
            )
          : this.denied(req),
    );
    // directoryrole-list: only activated roles (those with an assignment), each with its own object id and its
    // roleTemplateId; RoleManagement.Read.Directory or higher.
    this.on("GET", "/directoryRoles", (req, q, c) => {
      if (!this.need(c, P.roles)) return this.denied(req);
      const active = new Set(this.t.roleAssignments.map((a) => a.roleDefinitionId));
      const list = this.t.roleDefinitions.filter((d) => active.has(d.id!)).map(directoryRoleObject);
      return page(req, this.cfg.publicUrl, "directoryRoles", q, list, { maxTop: 999 });
    });
    this.on("GET", "/roleManagement/directory/roleAssignments", (req, q, c) => {
      if (!this.need(c, P.roles)) return this.denied(req);
      const expand = q.expand === "principal";
      const list = this.t.roleAssignments.map((a) => ({
        ...roleAssignmentObject(a),
        ...(expand ? { principal: directoryObject(this.t, a.principalId) ?? null } : {}),
      }));
      return page(req, this.cfg.publicUrl, "roleManagement/directory/roleAssignments", q, list, { maxTop: 999 });
    });
    this.on("DELETE", "/roleManagement/directory/roleAssignments/{id}", (req, _q, c, m) => {
      if (!this.need(c, P.writeRoles)) return this.denied(req);
      const i = this.t.roleAssignments.findIndex((a) => a.id === m[1]);
      if (i < 0) return this.notFound(req, m[1]!);
      this.t.roleAssignments.splice(i, 1);
      return { status: 204, headers: {}, body: "" };
    });

    // PIM (#19): eligibilities and active schedules, principal expanded on request ($expand=principal).
    this.on("GET", "/roleManagement/directory/roleEligibilitySchedules", (req, q, c) => {
      if (!this.need(c, P.pimEligibilities)) return this.denied(req);
      const refused = this.withoutP2(req);
      if (refused) return refused;
      const list = this.t.roleEligibilities.map((e) => ({
        ...roleEligibilityScheduleObject(e),
        ...(q.expand === "principal" ? { principal: directoryObject(this.t, e.principalId) ?? null } : {}),
      }));
      return page(req, this.cfg.publicUrl, "roleManagement/directory/roleEligibilitySchedules", q, list, {
        maxTop: 999,
      });
    });
    this.on("GET", "/roleManagement/directory/roleAssignmentSchedules", (req, q, c) => {
      if (!this.need(c, P.pimAssignments)) return this.denied(req);
      const refused = this.withoutP2(req);
      if (refused) return refused;
      const list = this.t.roleAssignments.map((a) => ({
        ...roleAssignmentScheduleObject(a),
        ...(q.expand === "principal" ? { principal: directoryObject(this.t, a.principalId) ?? null } : {}),
      }));
      return page(req, this.cfg.publicUrl, "roleManagement/directory/roleAssignmentSchedules", q, list, {
        maxTop: 999,
      });
    });
    this.on("POST", "/roleManagement/directory/roleEligibilityScheduleRequests", (req, _q, c) =>
      this.scheduleRequest(req, c, "eligibility"),
    );
    this.on("POST", "/roleManagement/directory/roleAssignmentScheduleRequests", (req, _q, c) =>
      this.scheduleRequest(req, c, "assignment"),
    );

    this.on("GET", "/identityGovernance/privilegedAccess/group/eligibilitySchedules", (req, q, c) =>
      this.groupSchedules(req, q, c, "eligibility"),
    );
    this.on("GET", "/identityGovernance/privilegedAccess/group/assignmentSchedules", (req, q, c) =>
      this.groupSchedules(req, q, c, "assignment"),
    );
    this.on("POST", "/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests", (req, _q, c) =>
      this.groupScheduleRequest(req, c, "eligibility"),
    );
    this.on("POST", "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests", (req, _q, c) =>
      this.groupScheduleRequest(req, c, "assignment"),
    );

    this.on("GET", "/servicePrincipals", (req, q, c) =>
      this.need(c, P.apps)
        ? page(req, this.cfg.publicUrl, "servicePrincipals", q, this.t.servicePrincipals.map(spObject), { maxTop: 999 })
        : this.denied(req),
    );
    this.on("GET", "/servicePrincipals/{id}", (req, q, c, m) => {
      if (!this.need(c, P.apps)) return this.denied(req);
      const s = this.t.spById.get(m[1]!);
      return s
        ? json(200, {
            "@odata.context": `${this.cfg.publicUrl}/v1.0/$metadata#servicePrincipals/$entity`,
            ...project(spObject(s), q.select),
          })
        : this.notFound(req, m[1]!);
    });
    // serviceprincipal-list-owners: Application.Read.All is the least privileged; owners are directory objects.
    this.on("GET", "/servicePrincipals/{id}/owners", (req, q, c, m) => {
      if (!this.need(c, [...P.apps, "Application.ReadWrite.OwnedBy"])) return this.denied(req);
      const sp = this.t.spById.get(m[1]!);
      return sp ? this.ownersPage(req, q, sp.owners ?? []) : this.notFound(req, m[1]!);
    });
    // App registrations (#19): application-list and application-list-owners, Application.Read.All the least privileged
    // application permission for both (Application.ReadWrite.OwnedBy lists only the caller's own, not emulated).
    this.on("GET", "/applications", (req, q, c) =>
      this.need(c, P.apps)
        ? page(req, this.cfg.publicUrl, "applications", q, this.t.applications.map(applicationObject), { maxTop: 999 })
        : this.denied(req),
    );
    this.on("GET", "/applications/{id}/owners", (req, q, c, m) => {
      if (!this.need(c, P.apps)) return this.denied(req);
      const app = this.t.applications.find((a) => a.id === m[1]);
      return app ? this.ownersPage(req, q, app.owners) : this.notFound(req, m[1]!);
    });
    this.on("GET", "/servicePrincipals/{id}/appRoleAssignedTo", (req, q, c, m) => {
      if (!this.need(c, P.apps)) return this.denied(req);
      if (!this.t.spById.has(m[1]!)) return this.notFound(req, m[1]!);
      const list = this.t.appRoleAssignments.filter((a) => a.resourceId === m[1]).map(appRoleAssignmentObject);
      return page(req, this.cfg.publicUrl, `servicePrincipals('${m[1]}')/appRoleAssignedTo`, q, list, { maxTop: 999 });
    });
    // user-list-approleassignments: the user's own assignments and those of groups the user is a direct member of.
    this.on("GET", "/users/{id}/appRoleAssignments", (req, q, c, m) => {
      if (!this.need(c, P.userAppRoles)) return this.denied(req);
      const u = this.t.userById.get(m[1]!) ?? this.t.userByUpn.get(m[1]!.toLowerCase());
      if (!u) return this.notFound(req, m[1]!);
      const list = this.t.appRoleAssignments
        .filter(
          (a) =>
            a.principalId === u.id ||
            (a.principalType === "Group" && this.t.groupById.get(a.principalId)?.members.has(u.id)),
        )
        .map(appRoleAssignmentObject);
      return page(req, this.cfg.publicUrl, `users('${u.id}')/appRoleAssignments`, q, list, { maxTop: 999 });
    });
    // Graph: "Grant an appRoleAssignment for a service principal" (serviceprincipal-post-approleassignedto):
    // principalId, resourceId and appRoleId in the body, 201 with the assignment; AppRoleAssignment.ReadWrite.All.
    this.on("POST", "/servicePrincipals/{id}/appRoleAssignedTo", (req, _q, c, m) => {
      if (!this.need(c, P.writeAppRoles)) return this.denied(req);
      const sp = this.t.spById.get(m[1]!);
      if (!sp) return this.notFound(req, m[1]!);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(req.body || "{}") as Record<string, unknown>;
      } catch {
        return graphError(400, "Request_BadRequest", "Invalid JSON body.", req);
      }
      const principalId = String(body.principalId ?? "");
      const principal =
        this.t.userById.get(principalId) ?? this.t.groupById.get(principalId) ?? this.t.spById.get(principalId);
      if (!principal)
        return graphError(
          400,
          "Request_BadRequest",
          "Invalid value specified for property 'principalId' of resource 'AppRoleAssignment'.",
          req,
        );
      if (body.resourceId !== sp.id || !sp.appRoles.some((r) => r.id === body.appRoleId))
        return graphError(400, "Request_BadRequest", "Permission being assigned was not found on application.", req);
      const a: EAppRoleAssignment = {
        id: randomBytes(32).toString("base64url").slice(0, 43),
        appRoleId: String(body.appRoleId),
        principalId,
        principalType: this.t.userById.has(principalId)
          ? "User"
          : this.t.groupById.has(principalId)
            ? "Group"
            : "ServicePrincipal",
        principalDisplayName: String(principal.displayName ?? ""),
        resourceId: sp.id,
        resourceDisplayName: String(sp.displayName ?? ""),
        createdDateTime: new Date().toISOString(),
      };
      this.t.appRoleAssignments.push(a);
      return json(201, appRoleAssignmentObject(a));
    });
    this.on("DELETE", "/servicePrincipals/{id}/appRoleAssignedTo/{assignment}", (req, _q, c, m) => {
      if (!this.need(c, P.writeAppRoles)) return this.denied(req);
      if (!this.t.spById.has(m[1]!)) return this.notFound(req, m[1]!);
      const i = this.t.appRoleAssignments.findIndex((a) => a.resourceId === m[1] && a.id === m[2]);
      // Graph does not answer 404 here: deleting an assignment that is gone is reported (msgraph-sdk-dotnet#968,
      // msgraph-sdk-powershell#3142, microsoft-graph-docs-contrib#3614) to fail with this 400.
      if (i < 0)
        return graphError(400, "Request_BadRequest", "EntitlementGrant being updated or deleted is not found.", req);
      this.t.appRoleAssignments.splice(i, 1);
      return { status: 204, headers: {}, body: "" };
    });

    this.on("GET", "/reports/authenticationMethods/userRegistrationDetails", (req, q, c) => {
      if (!this.need(c, P.audit)) return this.denied(req);
      if (this.unlicensed(req)) return this.unlicensed(req)!;
      const ids = adminIds();
      const list = this.t.users.filter((u) => u.accountEnabled && u.mfa);
      return page(
        req,
        this.cfg.publicUrl,
        "reports/authenticationMethods/userRegistrationDetails",
        q,
        { length: list.length, at: (i) => (list[i] ? registrationObject(list[i]!, ids) : undefined) },
        { maxTop: 999 },
      );
    });
    this.on("GET", "/identity/conditionalAccess/policies", (req, q, c) =>
      !this.need(c, P.policies)
        ? this.denied(req)
        : (this.unlicensed(req) ??
          page(
            req,
            this.cfg.publicUrl,
            "identity/conditionalAccess/policies",
            q,
            this.t.policies as Record<string, unknown>[],
            { maxTop: 999 },
          )),
    );
  }
}
