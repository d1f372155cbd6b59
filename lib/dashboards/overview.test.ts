/**
 * Dashboard figures against numbers derived independently from the emulator's Graph responses (fetched
 * over HTTP, not from Recert's tables), and the enforcement buckets' invariants.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runSync } from "@/lib/sync/run-sync";
import { setup } from "@/tests/support/emulator-fixture";
import { coverageByUser, coverageCounts, overview } from "./overview";
import { segmentUsers } from "./segments";

let s: Awaited<ReturnType<typeof setup>>;

async function graphAll<T>(path: string): Promise<T[]> {
  const tok = (await (
    await fetch(`${s.emu.url}/${s.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: s.emu.config.clientId,
        client_secret: s.emu.config.clientSecret,
        scope: "https://graph.microsoft.com/.default",
      }),
    })
  ).json()) as { access_token: string };
  const out: T[] = [];
  for (let url: string | undefined = `${s.emu.url}/v1.0${path}`; url; ) {
    const page = (await (await fetch(url, { headers: { authorization: `Bearer ${tok.access_token}` } })).json()) as {
      value: T[];
      "@odata.nextLink"?: string;
    };
    out.push(...page.value);
    url = page["@odata.nextLink"];
  }
  return out;
}

beforeAll(async () => {
  s = await setup();
  await runSync({ db: s.db, graph: s.graph(), tenantId: s.tenantId, databaseUrl: s.database.url, trigger: "manual" });
});
afterAll(async () => {
  await s?.close();
});

describe("dashboard figures", () => {
  test("MFA coverage equals what Graph says", async () => {
    const users = await graphAll<{ id: string; accountEnabled: boolean; userType: string }>(
      "/users?$select=id,accountEnabled,userType&$top=999",
    );
    const regs = new Map(
      (
        await graphAll<{
          id: string;
          isMfaRegistered: boolean;
          isMfaCapable: boolean;
          isPasswordlessCapable: boolean;
          isAdmin: boolean;
          methodsRegistered: string[];
        }>("/reports/authenticationMethods/userRegistrationDetails?$top=999")
      ).map((r) => [r.id, r]),
    );
    const enabled = users.filter((u) => u.accountEnabled);
    const o = await overview(s.ctx);
    expect(o.enabledUsers).toBe(enabled.length);
    expect(o.mfa.registered).toBe(enabled.filter((u) => regs.get(u.id)?.isMfaRegistered).length);
    const guests = enabled.filter((u) => u.userType === "Guest");
    expect(o.split.find((x) => x.key === "guest")!.share).toMatchObject({
      total: guests.length,
      registered: guests.filter((u) => regs.get(u.id)?.isMfaRegistered).length,
    });
    const admins = enabled.filter((u) => regs.get(u.id)?.isAdmin);
    expect(o.split.find((x) => x.key === "admin")!.share.total).toBe(admins.length);
    // Each split's four counts, and the departments' (from the buckets' pass over the users since stop 34).
    const count = (xs: typeof enabled) => ({
      total: xs.length,
      registered: xs.filter((u) => regs.get(u.id)?.isMfaRegistered).length,
      capable: xs.filter((u) => regs.get(u.id)?.isMfaCapable).length,
      passwordless: xs.filter((u) => regs.get(u.id)?.isPasswordlessCapable).length,
    });
    expect(o.mfa).toEqual(count(enabled));
    expect(o.mfa.capable).toBeGreaterThan(0);
    expect(o.mfa.passwordless).toBeGreaterThan(0);
    for (const [key, xs] of [
      ["member", enabled.filter((u) => u.userType !== "Guest")],
      ["guest", guests],
      ["admin", admins],
      ["other", enabled.filter((u) => !regs.get(u.id)?.isAdmin)],
    ] as const)
      expect({ key, share: o.split.find((x) => x.key === key)!.share }).toEqual({ key, share: count(xs) });
    const fido = enabled.filter((u) => regs.get(u.id)?.methodsRegistered.includes("fido2SecurityKey")).length;
    expect(o.methods.find((m) => m.method === "fido2SecurityKey")?.users ?? 0).toBe(fido);
    // Buckets partition the enabled users; the trend has this sync.
    expect(o.buckets.reduce((n, b) => n + b.users, 0)).toBe(enabled.length);
    expect(o.trend.length).toBe(1);
    // Report-only and disabled policies never count as enforcing.
    for (const p of o.policies) if (p.state !== "enabled") expect(p.countsAsEnforcing).toBe(false);
    // A segment lists exactly its figure's users, admins without MFA first.
    const noMfa = await segmentUsers(s.ctx, "mfa:all:notRegistered");
    expect(noMfa.length).toBe(o.mfa.total - o.mfa.registered);
    const firstRegular = noMfa.findIndex((u) => !u.isAdmin);
    expect(noMfa.slice(firstRegular).some((u) => u.isAdmin)).toBe(false);
    const bucket = o.buckets.find((b) => b.users > 0)!;
    expect((await segmentUsers(s.ctx, `bucket:${bucket.bucket}`)).length).toBe(bucket.users);
  });

  test("a sanctioned break-glass exclusion moves the account to its own bucket", async () => {
    const before = await overview(s.ctx);
    const policy = before.policies.find((p) => p.countsAsEnforcing && p.exclusions.length > 0);
    expect(policy).toBeDefined();
    const ex = policy!.exclusions[0]!;
    const all = before.policies.filter((p) => p.countsAsEnforcing && p.exclusions.some((x) => x.userId === ex.userId));
    for (const p of all)
      await s.db.sanctionedExclusion.create({
        data: {
          tenantId: s.tenantId,
          userId: ex.userId,
          policyId: p.id,
          reason: "Break-glass account, sign-ins monitored",
          expiresAt: new Date(Date.now() + 90 * 86_400_000),
          createdById: "test",
        },
      });
    const after = await overview(s.ctx);
    const sanctioned = await segmentUsers(s.ctx, "bucket:sanctionedExclusion");
    expect(sanctioned.map((u) => u.id)).toContain(ex.userId);
    expect(after.buckets.find((b) => b.bucket === "sanctionedExclusion")!.users).toBeGreaterThan(
      before.buckets.find((b) => b.bucket === "sanctionedExclusion")!.users,
    );
    expect(
      after.policies.find((p) => p.id === policy!.id)!.exclusions.find((x) => x.userId === ex.userId)!.sanctioned,
    ).toBe(true);
  });

  test("the database's bucket counts equal the per-user evaluation, through nested groups and a cycle", async () => {
    const perUser = async () => {
      (globalThis as { __recertCoverage?: unknown }).__recertCoverage = undefined; // computed again, not cached
      const m = new Map<string, number>();
      for (const c of (await coverageByUser(s.db, s.tenantId)).values()) m.set(c.bucket, (m.get(c.bucket) ?? 0) + 1);
      return m;
    };
    const sorted = (m: Map<string, number>) => [...m].sort();
    expect(sorted(await coverageCounts(s.ctx))).toEqual(sorted(await perUser()));

    // A group two levels under a group that an enforcing policy for all users excludes, in a cycle with it, holding a
    // user who was enforced: both paths must follow the nesting (and end), and the policy now leaves the user out.
    const policies = (await s.db.dirCaPolicy.findMany({ where: { tenantId: s.tenantId } })).map(
      (p) =>
        JSON.parse(p.raw) as {
          id: string;
          state: string;
          conditions?: { users?: { includeUsers?: string[]; excludeGroups?: string[] } };
        },
    );
    const policy = policies.find(
      (p) =>
        p.state === "enabled" &&
        p.conditions?.users?.includeUsers?.includes("All") &&
        p.conditions.users.excludeGroups?.length,
    );
    expect(policy).toBeDefined();
    const excluded = policy!.conditions!.users!.excludeGroups![0];
    const before = await coverageByUser(s.db, s.tenantId);
    const enforcedUser = [...before].find(([, c]) => c.bucket === "enforcedAllApps")![0];
    const [mid, leaf] = [crypto.randomUUID(), crypto.randomUUID()];
    for (const id of [mid, leaf])
      await s.db.dirGroup.create({
        data: {
          id,
          tenantId: s.tenantId,
          displayName: `Nested ${id.slice(0, 4)}`,
          kind: "security",
          groupTypes: "[]",
          securityEnabled: true,
          mailEnabled: false,
          isAssignableToRole: false,
          isDynamic: false,
          onPremisesSyncEnabled: false,
        },
      });
    const edge = (groupId: string, memberId: string, memberType: string) =>
      s.db.dirGroupMember.create({ data: { tenantId: s.tenantId, groupId, memberId, memberType } });
    await edge(excluded!, mid, "group");
    await edge(mid, leaf, "group");
    await edge(leaf, excluded!, "group"); // the cycle
    await edge(leaf, enforcedUser, "user");
    const after = await perUser();
    expect((await coverageByUser(s.db, s.tenantId)).get(enforcedUser)!.excludedFrom).toContain(policy!.id);
    expect(sorted(await coverageCounts(s.ctx))).toEqual(sorted(after));
  });
  test("each hygiene figure counts the people its list shows; the guests' figures count what the directory holds", async () => {
    (globalThis as { __recertOverview?: unknown }).__recertOverview = undefined; // the tests above changed memberships
    const o = await overview(s.ctx);
    const fig = (key: string) => o.hygiene.find((h) => h.key === key)!.value;
    for (const key of ["inactiveWithAccess", "disabledInGroups", "privileged", "privilegedNoMfa"]) {
      const listed = (await segmentUsers(s.ctx, `hygiene:${key}`)).length;
      expect({ key, value: fig(key) }).toEqual({ key, value: listed });
      if (key !== "privilegedNoMfa") expect(listed, key).toBeGreaterThan(0); // the fixture has some of each
    }
    const cutoff = s.ctx.now().getTime() - 90 * 86_400_000;
    const guests = await s.db.dirUser.findMany({ where: { tenantId: s.tenantId, userType: "Guest" } });
    const pending = guests.filter((g) => g.externalUserState === "PendingAcceptance").length;
    const inactive = guests.filter((g) => !g.lastSignInAt || g.lastSignInAt.getTime() < cutoff).length;
    expect(pending).toBeGreaterThan(0);
    expect(inactive).toBeGreaterThan(0);
    expect([fig("pendingGuests"), fig("inactiveGuests")]).toEqual([pending, inactive]);
  });
});
