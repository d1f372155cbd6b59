import type { EmulatorConfig } from "./config";
import type { Faults, FaultRule } from "./faults";
import type { DeltaState } from "./graph/delta";
import type { MailStore } from "./graph/mail";
import { groupObject, userObject } from "./graph/serialize";
import { json, type Req, type Res } from "./http";
import { keyCredential } from "./oidc/client-assertion";
import { tenantSummary } from "./tenant/generate";
import type { Tenant } from "./tenant/model";
import type { WriteRecord } from "./server";
import {
  addMember,
  addOwner,
  createGroup,
  createUser,
  deleteGroup,
  deleteUser,
  removeMember,
  removeOwner,
  TenantError,
  updateGroup,
  updateUser,
} from "./tenant/mutate";

export interface ControlDeps {
  cfg: EmulatorConfig;
  tenant: () => Tenant;
  reset: () => void;
  faults: Faults;
  delta: DeltaState;
  /** What sendMail accepted (#18). */
  mail: MailStore;
  /** Graph writes so far (method, path without /v1.0, status), in order. */
  writes: WriteRecord[];
  /** The cloud's other tenant, for tests that sign in from it. */
  second?: () => Tenant;
}

/** /_emulator/*: how tests change the tenant between syncs. Guarded by the admin key. */
export function control(req: Req, d: ControlDeps): Res {
  if (req.headers["x-emulator-admin-key"] !== d.cfg.adminKey)
    return json(401, { error: "x-emulator-admin-key header missing or wrong" });
  const t = d.tenant();
  let body: Record<string, unknown> = {};
  if (req.body) {
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return json(400, { error: "invalid JSON body" });
    }
  }
  const path = req.path.replace(/^\/_emulator/, "");
  const seg = path.split("/").filter(Boolean);
  const ok = (v: unknown = { ok: true }) => json(200, v);
  try {
    if (req.method === "GET" && path === "/summary") return ok(tenantSummary(t));
    if (req.method === "GET" && path === "/accounts") {
      const o = d.second?.();
      return ok({
        wellKnown: t.wellKnown,
        password: "(EMULATOR_PASSWORD)",
        ...(o ? { otherTenant: { id: o.id, domain: o.domain, wellKnown: o.wellKnown } } : {}),
      });
    }
    // Mail Exchange accepted through sendMail: read it, clear it, or scope senders as an access policy would.
    if (req.method === "GET" && path === "/mail") return ok({ value: d.mail.sent });
    if (req.method === "GET" && path === "/writes") return ok({ value: d.writes });
    if (req.method === "DELETE" && path === "/mail") {
      d.mail.clear();
      return ok();
    }
    if (req.method === "POST" && path === "/mail/policy") {
      const senders = body.senders;
      d.mail.allowedSenders = Array.isArray(senders) ? new Set(senders.map((x) => String(x).toLowerCase())) : null;
      return ok();
    }
    if (req.method === "POST" && path === "/reset") {
      d.mail.clear();
      d.reset();
      return ok();
    }
    if (req.method === "POST" && path === "/faults") {
      d.faults.configure(body as FaultRule);
      return ok();
    }
    if (req.method === "POST" && path === "/faults/reset") {
      d.faults.reset();
      return ok();
    }
    if (req.method === "POST" && path === "/delta/invalidate") {
      d.delta.invalidate();
      return ok();
    }
    if (req.method === "POST" && path === "/licence") {
      d.cfg.licence = body.sku === "free" ? "free" : body.sku === "P1" ? "P1" : "P2";
      return ok();
    }
    if (req.method === "POST" && path === "/token-lifetime") {
      d.cfg.tokenLifetimeS = Number(body.seconds);
      return ok();
    }
    if (seg[0] === "apps" && seg[1] && req.method === "POST") {
      const app = t.apps.find((a) => a.clientId === seg[1]);
      if (!app) return json(404, { error: "no such app" });
      if (seg[2] === "permissions") app.graphPermissions = (body.roles as string[]) ?? [];
      else if (seg[2] === "secret-expired") app.secretExpired = Boolean(body.expired);
      else if (seg[2] === "opaque-tokens") app.opaqueGraphTokens = Boolean(body.opaque);
      else if (seg[2] === "token-version")
        app.accessTokenVersion = body.version === 2 ? 2 : body.version === 1 ? 1 : null;
      // Certificates & secrets: upload a certificate (PEM; its public part only is kept), or remove them all.
      else if (seg[2] === "certificates")
        app.keyCredentials = body.pem
          ? [...(body.replace ? [] : (app.keyCredentials ?? [])), keyCredential(String(body.pem))]
          : [];
      else return json(404, { error: "unknown app operation" });
      return ok();
    }
    if (seg[0] === "users") {
      if (req.method === "POST" && seg.length === 1) return json(201, userObject(createUser(t, body as never)));
      if (req.method === "PATCH" && seg[1]) return ok(userObject(updateUser(t, seg[1], body)));
      if (req.method === "DELETE" && seg[1]) {
        deleteUser(t, seg[1]);
        return ok();
      }
    }
    if (seg[0] === "groups") {
      if (req.method === "POST" && seg.length === 1) return json(201, groupObject(createGroup(t, body as never)));
      if (req.method === "PATCH" && seg[1] && seg.length === 2) return ok(groupObject(updateGroup(t, seg[1], body)));
      if (req.method === "DELETE" && seg[1] && seg.length === 2) {
        deleteGroup(t, seg[1]);
        return ok();
      }
      if (seg[1] && (seg[2] === "members" || seg[2] === "owners")) {
        const add = seg[2] === "members" ? addMember : addOwner;
        const remove = seg[2] === "members" ? removeMember : removeOwner;
        if (req.method === "POST") {
          add(t, seg[1], String(body.id));
          return ok();
        }
        if (req.method === "DELETE" && seg[3]) {
          remove(t, seg[1], seg[3]);
          return ok();
        }
      }
    }
  } catch (e) {
    if (e instanceof TenantError) return json(e.status, { error: e.message, code: e.code });
    throw e;
  }
  return json(404, { error: `unknown control endpoint ${req.method} ${req.path}` });
}
