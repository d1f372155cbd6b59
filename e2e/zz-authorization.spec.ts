/**
 * The authorization matrix (#8): every server action, route handler and page, called directly (actions
 * by their id, as a crafted request would; no UI) as anonymous, reviewer A, reviewer B, auditor, admin and
 * an admin of another tenant. The expected outcome of every cell is written below. A refused call must
 * change nothing in the database (fingerprint before = after); refused calls use arguments that would
 * succeed for an allowed caller, so a missing check fails the test.
 *
 * Runs last (zz-): it creates campaigns, an expiry and connection changes of its own.
 */
import { expect, test, type BrowserContext } from "@playwright/test";
import { E2E } from "../playwright.config";
import { actionIds, callAction, db, fingerprint, personaContexts, PERSONAS, type Persona } from "./authz";
import { ACCOUNTS } from "./support";

test.describe.configure({ mode: "serial" });

const SIGN_IN_FIRST = "Sign in first.";
const NO_ACCESS = "You do not have access to this.";
const DAY = 86_400_000;

let ctx: Record<Persona, BrowserContext>;
let ids: Record<string, string>;
let fx: {
  sanction: string;
  adminHasItems: boolean;
  campaign: string;
  draft: string;
  expiry: string;
  itemsA: string[];
  delegateTo: string;
  itemsB: string[];
  reviewerA: string;
  reviewerB: string;
  reviewerBUpn: string;
  guest: string;
  user: string;
  policy: string;
  groupA: string;
  groupB: string;
};
const client = db();
const cells: { target: string; persona: Persona; outcome: string }[] = [];

function form(groupIds: string[], name: string) {
  return {
    name,
    description: "authorization matrix",
    scope: { kind: "groups", groupIds },
    population: { who: "all", inactiveDays: 90 },
    stages: [
      { reviewers: "owners", chosenUpns: [], fallbackUpns: [ACCOUNTS.admin], durationDays: 14, advance: ["approve"] },
    ],
    startAt: new Date().toISOString(),
    recurrence: "one_off",
    justification: { onApprove: false, onRevoke: false },
    noResponse: "none",
    autoApply: false,
    reminderDaysBefore: 3,
    inactiveDays: 30,
    maxSyncAgeHours: 48,
  };
}

async function act(p: Persona, name: string, args: unknown[]) {
  const id = ids[name];
  if (!id) throw new Error(`no action id for ${name}: is it used by a page?`);
  return callAction(ctx[p].request, id, args);
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(240_000);
  ids = actionIds();
  // The directory, synced as the admin would.
  const adminCtx = await browser.newContext({ baseURL: E2E.appUrl });
  const { signIn } = await import("./support");
  const page = await adminCtx.newPage();
  await signIn(page, ACCOUNTS.admin);
  await page.waitForURL((u) => u.host === new URL(E2E.appUrl).host && !u.pathname.startsWith("/signin"));
  const sync = await callAction(adminCtx.request, ids.startSyncAction!, [{ mode: "full" }]);
  expect(sync.value, sync.raw).toMatchObject({ ok: true });
  await expect
    .poll(
      async () =>
        ((await (await adminCtx.request.get("/api/sync/status")).json()) as { run: { status: string } | null }).run
          ?.status,
      { timeout: 60_000 },
    )
    .toMatch(/succeeded|partial/);

  // Fixtures are picked in a fixed order, so both engines check the same cells with the same outcomes.
  const users = await client.dirUser.findMany({
    select: { id: true, userPrincipalName: true, accountEnabled: true, userType: true },
    orderBy: { id: "asc" },
  });
  const byUpn = (u: string) => users.find((x) => x.userPrincipalName === u)!;
  const reviewerA = byUpn(ACCOUNTS.reviewer).id;
  const special = new Set([ACCOUNTS.admin, ACCOUNTS.auditor, ACCOUNTS.reviewer].map((u) => byUpn(u).id));
  const owners = await client.dirGroupOwner.findMany({
    where: { ownerType: "user" },
    orderBy: [{ groupId: "asc" }, { ownerId: "asc" }],
  });
  const groups = await client.dirGroup.findMany({ where: { isDynamic: false }, select: { id: true } });
  const dynamicFree = new Set(groups.map((g) => g.id));
  const ownersOf = (g: string) => owners.filter((o) => o.groupId === g).map((o) => o.ownerId);
  const groupA = owners.find(
    (o) => o.ownerId === reviewerA && dynamicFree.has(o.groupId) && ownersOf(o.groupId).length === 1,
  )!.groupId;
  const enabledMember = (id: string) => users.some((u) => u.id === id && u.accountEnabled && u.userType === "Member");
  const b = owners.find(
    (o) =>
      dynamicFree.has(o.groupId) &&
      !special.has(o.ownerId) &&
      enabledMember(o.ownerId) &&
      !ownersOf(o.groupId).includes(reviewerA) &&
      o.groupId !== groupA,
  )!;
  const reviewerB = b.ownerId;
  const reviewerBUpn = users.find((u) => u.id === reviewerB)!.userPrincipalName!;

  const created = await callAction(adminCtx.request, ids.createCampaignAction!, [
    form([groupA, b.groupId], "Authorization matrix"),
  ]);
  expect(created.value, created.raw).toMatchObject({ ok: true });
  const campaign = (created.value as { campaignId: string }).campaignId;
  const started = await callAction(adminCtx.request, ids.startCampaignAction!, [campaign]);
  expect(started.value, started.raw).toMatchObject({ ok: true });
  const draft = (
    (await callAction(adminCtx.request, ids.createCampaignAction!, [form([groupA], "Authorization matrix draft")]))
      .value as { campaignId: string }
  ).campaignId;

  const guest = users.find((u) => u.userType === "Guest" && u.accountEnabled)!.id;
  const set = await callAction(adminCtx.request, ids.setExpiryAction!, [
    { userIds: [guest], expiresAt: new Date(Date.now() + 30 * DAY).toISOString(), reason: "contract end" },
  ]);
  expect(set.value, set.raw).toMatchObject({ ok: true });
  const expiry = (await client.accessExpiry.findFirstOrThrow({ where: { userId: guest, status: "scheduled" } })).id;

  const mine = async (r: string) =>
    (await client.campaignItemReviewer.findMany({ where: { campaignId: campaign, reviewerId: r } })).map(
      (x) => x.itemId,
    );
  const itemsA = await mine(reviewerA);
  const itemsB = await mine(reviewerB);
  expect(itemsA.length).toBeGreaterThan(2); // the last one is handed over, the first two decided
  expect(itemsB.length).toBeGreaterThan(0);
  // A colleague to hand A's last item to: an enabled member who is not that item's principal nor A.
  const lastItem = await client.campaignItem.findUniqueOrThrow({ where: { id: itemsA[itemsA.length - 1]! } });
  const delegateTo = users.find(
    (u) =>
      u.accountEnabled &&
      u.userType === "Member" &&
      u.id !== reviewerA &&
      u.id !== lastItem.principalId &&
      !special.has(u.id),
  )!.userPrincipalName!;
  const policy = (await client.dirCaPolicy.findFirstOrThrow({ orderBy: { id: "asc" } })).id;
  const sanctioned = await callAction(adminCtx.request, ids.sanctionExclusionAction!, [
    {
      userId: reviewerA,
      policyId: policy,
      reason: "break-glass account",
      expiresAt: new Date(Date.now() + 30 * DAY).toISOString(),
    },
  ]);
  expect(sanctioned.value, sanctioned.raw).toMatchObject({ ok: true });
  const sanction = (
    await client.sanctionedExclusion.findFirstOrThrow({
      where: { userId: reviewerA, policyId: policy, revokedAt: null },
    })
  ).id;
  const adminId = byUpn(ACCOUNTS.admin).id;
  const adminHasItems =
    (await client.campaignItemReviewer.count({ where: { campaignId: campaign, reviewerId: adminId } })) > 0;
  fx = {
    delegateTo,
    sanction,
    adminHasItems,
    campaign,
    draft,
    expiry,
    itemsA,
    itemsB,
    reviewerA,
    reviewerB,
    reviewerBUpn,
    guest,
    user: reviewerA,
    policy,
    groupA,
    groupB: b.groupId,
  };
  await adminCtx.close();
  ctx = await personaContexts(browser, {
    reviewerA: ACCOUNTS.reviewer,
    reviewerB: reviewerBUpn,
    auditor: ACCOUNTS.auditor,
    admin: ACCOUNTS.admin,
  });
});

test.afterAll(async () => {
  for (const c of Object.values(ctx ?? {})) await c.close();
  await client.$disconnect();
  // Printed for the README's security section.
  const refused = cells.filter((c) => c.outcome.startsWith("refused")).length;
  console.log(
    `authorization matrix: ${cells.length} cells checked, ${refused} refused with nothing changed, ${cells.length - refused} allowed`,
  );
});

type Expect = "ok" | "notAuth" | "signIn" | "noAccess" | "notYours";
interface ActionRow {
  name: string;
  /** Arguments that succeed for an allowed caller. */
  args: () => unknown[];
  /** What each persona gets. Personas not listed: anonymous/foreign → signIn, others → noAccess. */
  expect: Partial<Record<Persona, Expect>>;
  /** For allowed personas when the valid call would destroy the fixture: arguments that pass authorization and fail validation. */
  harmless?: () => unknown[];
  /** Run before the row (fixtures an earlier row replaced). */
  prepare?: () => Promise<void>;
}

const currentExpiry = async () => {
  fx.expiry = (await client.accessExpiry.findFirstOrThrow({ where: { userId: fx.guest, status: "scheduled" } })).id;
};

const ADMIN_ONLY = { admin: "notAuth" } as const;
const ROWS: ActionRow[] = [
  { name: "createCampaignAction", args: () => [form([fx.groupA], "Matrix: created")], expect: { admin: "ok" } },
  { name: "startCampaignAction", args: () => [fx.draft], expect: ADMIN_ONLY, harmless: () => ["not-a-uuid"] },
  { name: "deleteDraftAction", args: () => [fx.draft], expect: ADMIN_ONLY, harmless: () => ["not-a-uuid"] },
  {
    name: "closeCampaignAction",
    args: () => [{ campaignId: fx.campaign }],
    expect: ADMIN_ONLY,
    harmless: () => [{ campaignId: "x" }],
  },
  { name: "previewApplyAction", args: () => [fx.campaign], expect: { admin: "notAuth" } },
  { name: "applyCampaignAction", args: () => [fx.campaign], expect: { admin: "notAuth" } },
  {
    name: "extendCampaignAction",
    args: () => [{ campaignId: fx.campaign, endAt: new Date(Date.now() + 60 * DAY).toISOString(), reason: "matrix" }],
    expect: { admin: "ok" },
  },
  {
    name: "reassignAction",
    args: () => [
      { campaignId: fx.campaign, fromReviewerId: fx.reviewerA, toUpn: fx.reviewerBUpn, mode: "add", reason: "matrix" },
    ],
    expect: ADMIN_ONLY,
    harmless: () => [
      {
        campaignId: fx.campaign,
        fromReviewerId: fx.reviewerA,
        toUpn: fx.reviewerBUpn,
        mode: "steal",
        reason: "matrix",
      },
    ],
  },
  { name: "remindReviewersAction", args: () => [fx.campaign], expect: { admin: "ok" } },
  { name: "advanceStageAction", args: () => [fx.campaign], expect: ADMIN_ONLY, harmless: () => ["not-a-uuid"] },
  {
    name: "setExpiryAction",
    args: () => [{ userIds: [fx.guest], expiresAt: new Date(Date.now() + 40 * DAY).toISOString(), reason: "matrix" }],
    expect: { admin: "ok" },
  },
  {
    name: "extendExpiryAction",
    args: () => [{ expiryId: fx.expiry, expiresAt: new Date(Date.now() + 50 * DAY).toISOString(), reason: "matrix" }],
    expect: { admin: "ok" },
    prepare: currentExpiry,
  },
  {
    name: "cancelExpiryAction",
    args: () => [{ expiryId: fx.expiry, reason: "matrix" }],
    expect: ADMIN_ONLY,
    prepare: currentExpiry,
    harmless: () => [{ expiryId: fx.expiry, reason: "" }],
  },
  { name: "expiryPreviewAction", args: () => [{ userId: fx.guest, blockSignIn: true }], expect: { admin: "ok" } },
  {
    // No denied guest in the fixture: the admin passes authorization and is told so (not_found); nobody else gets in.
    name: "restoreDeniedGuestAction",
    args: () => [{ id: "00000000-0000-4000-8000-00000000000a", reason: "matrix" }],
    expect: ADMIN_ONLY,
  },
  {
    name: "sanctionExclusionAction",
    args: () => [
      {
        userId: fx.user,
        policyId: fx.policy,
        reason: "break-glass account",
        expiresAt: new Date(Date.now() + 30 * DAY).toISOString(),
      },
    ],
    expect: ADMIN_ONLY,
    harmless: () => [
      { userId: fx.user, policyId: fx.policy, reason: "x", expiresAt: new Date(Date.now() + 30 * DAY).toISOString() },
    ],
  },
  { name: "revokeSanctionAction", args: () => [{ id: fx.sanction }], expect: { admin: "ok" } },
  {
    name: "startSyncAction",
    args: () => [{ mode: "auto" }],
    expect: ADMIN_ONLY,
    harmless: () => [{ mode: "sideways" }],
  },
  { name: "testConnectionAction", args: () => [], expect: { admin: "ok" } },
  // Four eyes: only admins decide or withdraw (a request that does not exist is "not found", past the guard).
  {
    name: "decideApprovalAction",
    args: () => [{ approvalId: "00000000-0000-4000-8000-00000000a9a9", decision: "approve", note: "" }],
    expect: ADMIN_ONLY,
  },
  {
    name: "withdrawApprovalAction",
    args: () => [{ approvalId: "00000000-0000-4000-8000-00000000a9a9" }],
    expect: ADMIN_ONLY,
  },
  {
    name: "saveConnectionAction",
    args: () => [
      {
        tenantId: (E2E.env as Record<string, string>).ENTRA_TENANT_ID,
        clientId: (E2E.env as Record<string, string>).AUTH_MICROSOFT_ENTRA_ID_ID,
        clientSecret: "attacker-secret",
      },
    ],
    expect: ADMIN_ONLY,
    harmless: () => [{ tenantId: "x", clientId: "y" }],
  },
  {
    name: "purgeDirectoryAction",
    args: () => [{ confirm: "PURGE" }],
    expect: ADMIN_ONLY,
    harmless: () => [{ confirm: "purge please" }],
  },
  // The notice outbox (#18): admins only; an id that is no failed message fails validation, past authorization.
  {
    name: "resolveOutboxMessageAction",
    args: () => [{ id: "00000000-0000-4000-8000-000000000000", action: "dismiss" }],
    expect: ADMIN_ONLY,
  },
  // PIM-governed groups (#19): admins only; a bad id fails validation, past authorization, and saves nothing.
  {
    name: "saveGovernedGroupsAction",
    args: () => [{ groupIds: fx.groupB }],
    expect: ADMIN_ONLY,
    harmless: () => [{ groupIds: "not-a-group-id" }],
  },
  { name: "disconnectAction", args: () => [], expect: { admin: "ok" } },
  { name: "reconnectAction", args: () => [], expect: { admin: "ok" } },
  // Escalation: only an admin signs off a reviewer's undecided items; the admin really does it here (B's items
  // are decided on B's behalf, so B's accept-all below finds nothing of B's left to decide).
  {
    name: "signOffAction",
    args: () => [
      { campaignId: fx.campaign, reviewerId: fx.reviewerB, decision: "approve", reason: "matrix: reviewer on leave" },
    ],
    expect: { admin: "ok" },
  },
  // An item's context (#18): read-only; its reviewer, admins and auditors; another reviewer is refused.
  {
    name: "itemContextAction",
    args: () => [{ campaignId: fx.campaign, itemId: fx.itemsA[0] }],
    expect: { reviewerA: "ok", reviewerB: "notYours", admin: "ok", auditor: "ok" },
  },
  // Handing items over (#18): only the item's own reviewer; before the decisions below, on an item they leave alone.
  {
    name: "delegateItemsAction",
    args: () => [
      { campaignId: fx.campaign, itemIds: fx.itemsA.slice(-1), toUpn: fx.delegateTo, reason: "On leave this week" },
    ],
    expect: { reviewerA: "ok", reviewerB: "notYours", admin: "notYours" },
  },
  // Decisions: only the item's own reviewer; another reviewer, the admin (not assigned) and auditors are refused.
  {
    name: "decideAction",
    args: () => [{ campaignId: fx.campaign, itemIds: fx.itemsA.slice(0, 2), decision: "approve" }],
    expect: { reviewerA: "ok", reviewerB: "notYours", admin: "notYours" },
  },
  // Accept-all acts on the caller's own items only: B accepting must leave A's items untouched (checked below).
  {
    name: "acceptAllRecommendationsAction",
    args: () => [{ campaignId: fx.campaign }],
    expect: { reviewerA: "ok", reviewerB: "ok", admin: "ok" },
  },
];

function expected(row: ActionRow, p: Persona): Expect {
  return row.expect[p] ?? (p === "anonymous" || p === "foreignAdmin" ? "signIn" : "noAccess");
}

test("every server action, called directly by every persona, allows exactly whom it should; a refused call changes nothing", async () => {
  test.setTimeout(300_000);
  const listed = new Set(ROWS.map((r) => r.name));
  // Every action the build exposes is in the matrix (forgetting one fails here).
  expect(
    Object.keys(ids)
      .filter((n) => !listed.has(n))
      .sort(),
  ).toEqual([]);
  for (const row of ROWS) {
    await row.prepare?.();
    // Refused personas first (they must not change anything), then the allowed ones.
    const order = [...PERSONAS].sort(
      (a, b) =>
        Number(["ok", "notAuth"].includes(expected(row, a))) - Number(["ok", "notAuth"].includes(expected(row, b))),
    );
    for (const p of order) {
      const want = expected(row, p);
      const allowed = want === "ok" || want === "notAuth";
      const args = allowed && row.harmless ? row.harmless() : row.args();
      const before = allowed ? "" : await fingerprint(client);
      const aBefore =
        row.name === "acceptAllRecommendationsAction" && p === "reviewerB"
          ? JSON.stringify(
              await client.campaignItem.findMany({
                where: { id: { in: fx.itemsA } },
                select: { id: true, decision: true },
              }),
            )
          : "";
      const r = await act(p, row.name, args);
      const v = r.value as { ok?: boolean; error?: string } | undefined;
      const where = `${row.name} as ${p}: ${r.status} ${r.raw.slice(0, 300)}`;
      if (want === "ok") expect(v?.ok, where).toBe(true);
      else if (want === "notAuth") {
        expect(v, where).toBeDefined();
        expect([SIGN_IN_FIRST, NO_ACCESS]).not.toContain(v?.error);
        if (v?.ok === false) expect(v.error, where).toBeTruthy();
      } else {
        expect(v?.ok, where).toBe(false);
        if (want === "signIn") expect(v?.error, where).toBe(SIGN_IN_FIRST);
        if (want === "noAccess") expect(v?.error, where).toBe(NO_ACCESS);
        if (want === "notYours") expect(v?.error, where).toMatch(/not yours to review\. Nothing was changed\./);
        expect(await fingerprint(client), `${where}: the database changed`).toBe(before);
      }
      if (aBefore)
        expect(
          JSON.stringify(
            await client.campaignItem.findMany({
              where: { id: { in: fx.itemsA } },
              select: { id: true, decision: true },
            }),
          ),
          "B's accept-all touched A's items",
        ).toBe(aBefore);
      cells.push({ target: row.name, persona: p, outcome: allowed ? "allowed" : `refused (${want})` });
    }
  }
});

// Route handlers and pages: status (or where a page sends the caller).
/** A status, where a page redirects to, or "authorized": past the guard (any answer but 401/403/redirect). */
type RouteWant = 200 | 401 | 403 | 404 | "signin" | "forbidden" | "reviews" | "authorized";
interface RouteRow {
  path: () => string;
  want: Partial<Record<Persona, RouteWant>>;
  /** default for personas not listed */
  fallback: (p: Persona) => RouteWant;
}
const staff =
  (kind: "route" | "page") =>
  (p: Persona): RouteWant =>
    p === "admin" || p === "auditor"
      ? 200
      : p === "anonymous" || p === "foreignAdmin"
        ? kind === "route"
          ? 401
          : "signin"
        : kind === "route"
          ? 403
          : "forbidden";
const everyoneSignedIn = (p: Persona): RouteWant => (p === "anonymous" || p === "foreignAdmin" ? "signin" : 200);
const publicRoute = (): RouteWant => 200;
const bearerOnly = (): RouteWant => 401;

const ROUTES: RouteRow[] = [
  { path: () => "/audit/audit.csv", want: {}, fallback: staff("route") },
  { path: () => "/dashboard/users.csv?segment=hygiene:privileged", want: {}, fallback: staff("route") },
  { path: () => "/directory/users.csv", want: {}, fallback: staff("route") },
  { path: () => "/directory/groups.csv", want: {}, fallback: staff("route") },
  { path: () => "/directory/apps.csv", want: {}, fallback: staff("route") },
  { path: () => "/guests/guests.csv", want: {}, fallback: staff("route") },
  {
    path: () => `/reports/${fx.campaign}/report.json`,
    want: { admin: "authorized", auditor: "authorized" },
    fallback: staff("route"),
  },
  {
    path: () => "/api/sync/status",
    want: { auditor: 403 },
    fallback: (p) => (p === "admin" ? 200 : p === "anonymous" || p === "foreignAdmin" ? 401 : 403),
  },
  { path: () => "/api/health", want: {}, fallback: publicRoute },
  { path: () => "/api/report-certificate", want: {}, fallback: publicRoute },
  { path: () => "/api/v1/openapi.json", want: {}, fallback: publicRoute },
  // The evidence API takes bearer tokens only: a browser session is not enough, whoever's it is.
  { path: () => "/api/v1/campaigns", want: {}, fallback: bearerOnly },
  { path: () => "/api/v1/audit", want: {}, fallback: bearerOnly },
  { path: () => `/api/v1/campaigns/${fx.campaign}/report.json`, want: {}, fallback: bearerOnly },
  // Pages
  { path: () => "/", want: { reviewerA: "reviews", reviewerB: "reviews" }, fallback: everyoneSignedIn },
  { path: () => "/reviews", want: {}, fallback: everyoneSignedIn },
  // A review page exists only for someone with items in it: the auditor gets 404, the admin 200 only when a
  // fallback reviewer of some item (an owner reviewing their own membership), else 404.
  {
    path: () => `/reviews/${fx.campaign}`,
    want: { auditor: 404 },
    fallback: (p) => (p === "admin" ? (fx.adminHasItems ? 200 : 404) : everyoneSignedIn(p)),
  },
  { path: () => "/campaigns", want: {}, fallback: staff("page") },
  { path: () => `/campaigns/${fx.campaign}`, want: {}, fallback: staff("page") },
  { path: () => "/campaigns/new", want: { auditor: "forbidden" }, fallback: staff("page") },
  { path: () => "/directory", want: {}, fallback: staff("page") },
  { path: () => "/directory/groups", want: {}, fallback: staff("page") },
  { path: () => `/directory/groups/${fx.groupA}`, want: {}, fallback: staff("page") },
  { path: () => "/directory/apps", want: {}, fallback: staff("page") },
  { path: () => `/directory/users/${fx.reviewerA}`, want: {}, fallback: staff("page") },
  { path: () => "/dashboard/users?segment=hygiene:privileged", want: {}, fallback: staff("page") },
  { path: () => "/guests", want: {}, fallback: staff("page") },
  { path: () => "/approvals", want: {}, fallback: staff("page") },
  { path: () => "/audit", want: {}, fallback: staff("page") },
  { path: () => "/reports", want: {}, fallback: staff("page") },
  { path: () => "/settings", want: { auditor: "forbidden" }, fallback: staff("page") },
  { path: () => "/verify", want: {}, fallback: publicRoute },
];

test("every route handler and page answers each persona as written", async () => {
  test.setTimeout(180_000);
  for (const row of ROUTES) {
    for (const p of PERSONAS) {
      const want = row.want[p] ?? row.fallback(p);
      const path = row.path();
      const res = await ctx[p].request.get(path, { maxRedirects: 0 });
      const where = `${path} as ${p}`;
      if (typeof want === "number") expect(res.status(), where).toBe(want);
      else if (want === "authorized") expect([200, 404, 409], `${where}: ${res.status()}`).toContain(res.status());
      else {
        expect([302, 303, 307, 308], `${where}: ${res.status()}`).toContain(res.status());
        expect(new URL(res.headers().location ?? "", E2E.appUrl).pathname, where).toBe(`/${want}`);
      }
      cells.push({
        target: path,
        persona: p,
        outcome: want === 200 || want === "authorized" ? "allowed" : `refused (${want})`,
      });
    }
  }
});

test("a server action posted from a foreign origin is rejected and changes nothing", async () => {
  const before = await fingerprint(client);
  const r = await callAction(
    ctx.admin.request,
    ids.extendCampaignAction!,
    [{ campaignId: fx.campaign, endAt: new Date(Date.now() + 70 * DAY).toISOString(), reason: "csrf" }],
    "https://evil.example",
  );
  expect(r.status, r.raw.slice(0, 200)).toBeGreaterThanOrEqual(400);
  expect((r.value as { ok?: boolean } | undefined)?.ok).not.toBe(true);
  expect(await fingerprint(client)).toBe(before);
});
