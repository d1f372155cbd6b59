import { randomBytes } from "node:crypto";
import { graphError, json, type Req, type Res } from "../http";
import type { Tenant } from "../tenant/model";
import { odataUrl } from "./paging";
import { groupObject, odataType, project, userObject } from "./serialize";

/**
 * Delta rounds. A delta link encodes the change sequence at the round's start; following it returns
 * what changed since. Rounds are materialised once (ids and membership chunks) and paged from memory.
 */
interface Entry {
  id: string;
  removed?: "deleted" | "changed";
  props: boolean;
  members?: { id: string; removed: boolean }[];
  owners?: { id: string; removed: boolean }[];
}

interface Round {
  resource: "users" | "groups";
  select?: string[];
  entries: Entry[];
  endSeq: number;
  createdAt: number;
}

const USER_PAGE = 200;
const GROUP_PAGE = 100;
const MEMBER_CHUNK = 1000;

export class DeltaState {
  private rounds = new Map<string, Round>();
  epoch = 1;

  constructor(private readonly maxAgeS: () => number) {}

  invalidate(): void {
    this.epoch += 1;
    this.rounds.clear();
  }

  private token(seq: number): string {
    return Buffer.from(JSON.stringify({ s: seq, e: this.epoch, t: Date.now() })).toString("base64url");
  }

  handle(req: Req, t: Tenant, publicUrl: string, resource: "users" | "groups"): Res {
    const p = req.url.searchParams;
    for (const bad of ["$top", "$expand", "$orderby"]) {
      if (p.has(bad))
        return graphError(400, "Request_UnsupportedQuery", `Unsupported query option '${bad}' for delta queries.`, req);
    }
    if (p.has("$filter") && !/^\s*id\s+eq\s+'[^']+'(\s+or\s+id\s+eq\s+'[^']+')*\s*$/i.test(p.get("$filter")!)) {
      return graphError(400, "Request_UnsupportedQuery", "Only filter on id is supported in delta queries.", req);
    }
    const skip = p.get("$skiptoken");
    const deltaToken = p.get("$deltatoken");
    const select = p
      .get("$select")
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    let roundId: string;
    let offset = 0;
    if (skip) {
      const [rid, off] = skip.split(".");
      if (!rid || !this.rounds.has(rid)) return this.expired(req);
      roundId = rid;
      offset = Number(off ?? 0);
    } else {
      let since: number | undefined;
      if (deltaToken === "latest") {
        return json(200, {
          "@odata.context": `${publicUrl}/v1.0/$metadata#${resource}`,
          "@odata.deltaLink": this.link(publicUrl, resource, select, t.seq),
          value: [],
        });
      } else if (deltaToken) {
        let parsed: { s: number; e: number; t: number };
        try {
          parsed = JSON.parse(Buffer.from(deltaToken, "base64url").toString("utf8")) as {
            s: number;
            e: number;
            t: number;
          };
        } catch {
          return this.expired(req);
        }
        if (parsed.e !== this.epoch || Date.now() - parsed.t > this.maxAgeS() * 1000) return this.expired(req);
        since = parsed.s;
      }
      roundId = randomBytes(9).toString("base64url");
      const entries =
        since === undefined ? this.initial(t, resource, p.get("$filter")) : this.changes(t, resource, since);
      this.rounds.set(roundId, { resource, select, entries, endSeq: t.seq, createdAt: Date.now() });
      this.gc();
    }
    const round = this.rounds.get(roundId)!;
    const size = resource === "users" ? USER_PAGE : GROUP_PAGE;
    const slice = round.entries.slice(offset, offset + size);
    const value = slice.map((e) => this.render(t, round, e));
    const body: Record<string, unknown> = {
      "@odata.context": `${publicUrl}/v1.0/$metadata#${resource}(${(round.select ?? []).join(",")})`,
    };
    if (offset + size < round.entries.length) {
      body["@odata.nextLink"] = odataUrl(publicUrl, `/v1.0/${resource}/delta`, [
        ["$skiptoken", `${roundId}.${offset + size}`],
      ]);
    } else {
      body["@odata.deltaLink"] = this.link(publicUrl, resource, round.select, round.endSeq);
      this.rounds.delete(roundId);
    }
    body.value = value;
    return json(200, body);
  }

  private link(publicUrl: string, resource: string, select: string[] | undefined, seq: number): string {
    return odataUrl(publicUrl, `/v1.0/${resource}/delta`, [
      ["$deltatoken", this.token(seq)],
      ...(select ? ([["$select", select.join(",")]] as [string, string][]) : []),
    ]);
  }

  private expired(req: Req): Res {
    return graphError(
      410,
      "syncStateNotFound",
      "The sync state generation is not found. Resync required (resyncRequired): the delta token has expired or is invalid.",
      req,
    );
  }

  private gc(): void {
    const cutoff = Date.now() - 3_600_000;
    for (const [k, r] of this.rounds) if (r.createdAt < cutoff) this.rounds.delete(k);
  }

  private initial(t: Tenant, resource: "users" | "groups", filter: string | null): Entry[] {
    const ids = filter ? new Set([...filter.matchAll(/'([^']+)'/g)].map((m) => m[1]!)) : undefined;
    if (resource === "users")
      return t.users.filter((u) => !ids || ids.has(u.id)).map((u) => ({ id: u.id, props: true }));
    const out: Entry[] = [];
    for (const g of t.groups) {
      if (ids && !ids.has(g.id)) continue;
      const members = [...g.members].map((id) => ({ id, removed: false }));
      const owners = [...g.owners].map((id) => ({ id, removed: false }));
      // Large member lists are spread over several occurrences of the same group, as Graph does.
      out.push({ id: g.id, props: true, members: members.slice(0, MEMBER_CHUNK), owners });
      for (let i = MEMBER_CHUNK; i < members.length; i += MEMBER_CHUNK)
        out.push({ id: g.id, props: false, members: members.slice(i, i + MEMBER_CHUNK) });
    }
    return out;
  }

  private changes(t: Tenant, resource: "users" | "groups", since: number): Entry[] {
    const kind = resource === "users" ? "user" : "group";
    const byId = new Map<
      string,
      { props: boolean; deleted: boolean; members: Map<string, boolean>; owners: Map<string, boolean> }
    >();
    for (const c of t.changes) {
      if (c.seq <= since || c.kind !== kind) continue;
      let e = byId.get(c.id);
      if (!e) {
        e = { props: false, deleted: false, members: new Map(), owners: new Map() };
        byId.set(c.id, e);
      }
      if (c.op === "upsert") e.props = true;
      else if (c.op === "delete") e.deleted = true;
      else if (c.op === "member-add") e.members.set(c.ref!, false);
      else if (c.op === "member-remove") e.members.set(c.ref!, true);
      else if (c.op === "owner-add") e.owners.set(c.ref!, false);
      else if (c.op === "owner-remove") e.owners.set(c.ref!, true);
    }
    const out: Entry[] = [];
    for (const [id, e] of byId) {
      const exists = resource === "users" ? t.userById.has(id) : t.groupById.has(id);
      if (e.deleted && !exists) {
        // Deleting a user in Entra is a soft delete (restorable for 30 days): users/delta marks it
        // "@removed": {"reason": "changed"}; "deleted" is for a permanent deletion (Microsoft Q&A 1023346, and
        // OData's DeltaDeletedEntryReason). A security group is deleted permanently at once.
        out.push({ id, removed: resource === "users" ? "changed" : "deleted", props: false });
        continue;
      }
      if (!exists) continue;
      out.push({
        id,
        props: e.props,
        ...(e.members.size ? { members: [...e.members].map(([m, removed]) => ({ id: m, removed })) } : {}),
        ...(e.owners.size ? { owners: [...e.owners].map(([m, removed]) => ({ id: m, removed })) } : {}),
      });
    }
    return out;
  }

  private render(t: Tenant, round: Round, e: Entry): Record<string, unknown> {
    if (e.removed) return { id: e.id, "@removed": { reason: e.removed } };
    const ref = (m: { id: string; removed: boolean }) => ({
      "@odata.type": odataType(t, m.id),
      id: m.id,
      ...(m.removed ? { "@removed": { reason: "deleted" } } : {}),
    });
    if (round.resource === "users") {
      const u = t.userById.get(e.id);
      return u
        ? project(
            userObject(u),
            round.select?.filter((f) => f !== "signInActivity"),
          )
        : { id: e.id, "@removed": { reason: "deleted" } };
    }
    const g = t.groupById.get(e.id);
    if (!g) return { id: e.id, "@removed": { reason: "deleted" } };
    const fields = (round.select ?? []).filter((f) => f !== "members" && f !== "owners");
    // Graph returns a changed group with its selected properties even when only its members changed, and again
    // on every page its member chunks continue on; it never sends the group bare.
    const out: Record<string, unknown> = project(groupObject(g), fields.length ? fields : undefined);
    const wantsMembers = !round.select || round.select.includes("members");
    const wantsOwners = !round.select || round.select.includes("owners");
    if (wantsMembers && e.members) out["members@delta"] = e.members.map(ref);
    if (wantsOwners && e.owners) out["owners@delta"] = e.owners.map(ref);
    return out;
  }
}
