/**
 * Calling the running app the way an attacker would: server actions by their id (no UI), route handlers
 * and pages, as any persona. Used by the authorization matrix and the hostile-input tests.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { APIRequestContext, Browser, BrowserContext } from "@playwright/test";
import { encode } from "next-auth/jwt";
import { createClient } from "../lib/db/client";
import { E2E } from "../playwright.config";
import { signIn, PASSWORD } from "./support";

export type Persona = "anonymous" | "reviewerA" | "reviewerB" | "auditor" | "admin" | "foreignAdmin";
export const PERSONAS: Persona[] = ["anonymous", "reviewerA", "reviewerB", "auditor", "admin", "foreignAdmin"];

const env = E2E.env as Record<string, string>;
export const db = () => createClient(env.DATABASE_URL!);

/** exportedName → action id, from the build's server reference manifest. */
export function actionIds(): Record<string, string> {
  const manifest = JSON.parse(
    readFileSync(path.join(process.cwd(), ".next/server/server-reference-manifest.json"), "utf8"),
  ) as { node: Record<string, { filename: string; exportedName: string }> };
  const out: Record<string, string> = {};
  for (const [id, a] of Object.entries(manifest.node)) if (!a.exportedName.startsWith("$$")) out[a.exportedName] = id;
  return out;
}

export interface ActionReply {
  status: number;
  /** The action's return value, when it returned one. */
  value: unknown;
  raw: string;
}

/** POSTs a server action as the browser would (Next-Action header, arguments as JSON), from `origin`. */
export async function callAction(
  request: APIRequestContext,
  id: string,
  args: unknown[],
  origin = E2E.appUrl,
): Promise<ActionReply> {
  const res = await request.post("/", {
    headers: { "next-action": id, "content-type": "text/plain;charset=UTF-8", accept: "text/x-component", origin },
    data: JSON.stringify(args),
    maxRedirects: 0,
  });
  const raw = await res.text();
  let value: unknown;
  for (const line of raw.split("\n")) {
    const m = /^1:(.*)$/.exec(line);
    if (m) {
      try {
        value = JSON.parse(m[1]!);
      } catch {
        value = m[1];
      }
    }
  }
  return { status: res.status(), value, raw };
}

/** A session cookie for a caller of another tenant: the app must treat it as nobody. */
async function foreignSession(): Promise<string> {
  return encode({
    salt: "authjs.session-token",
    secret: env.AUTH_SECRET!,
    token: {
      oid: "00000000-0000-4000-8000-00000000f0e1",
      tid: "11111111-2222-4333-8444-555555555555",
      name: "Foreign Admin",
      upn: "admin@fabrikam.onmicrosoft.com",
      email: "admin@fabrikam.onmicrosoft.com",
      role: "admin",
      sub: "foreign",
    },
  });
}

/** One browser context per persona, signed in through the emulator's sign-in page (or forged, for the foreign admin). */
export async function personaContexts(
  browser: Browser,
  upns: Record<"reviewerA" | "reviewerB" | "auditor" | "admin", string>,
): Promise<Record<Persona, BrowserContext>> {
  const out = {} as Record<Persona, BrowserContext>;
  out.anonymous = await browser.newContext({ baseURL: E2E.appUrl });
  for (const p of ["reviewerA", "reviewerB", "auditor", "admin"] as const) {
    const ctx = await browser.newContext({ baseURL: E2E.appUrl });
    const page = await ctx.newPage();
    await signIn(page, upns[p], PASSWORD);
    await page.waitForURL((u) => !u.pathname.startsWith("/signin") && u.host === new URL(E2E.appUrl).host, {
      timeout: 30_000,
    });
    await page.close();
    out[p] = ctx;
  }
  out.foreignAdmin = await browser.newContext({ baseURL: E2E.appUrl });
  await out.foreignAdmin.addCookies([
    { name: "authjs.session-token", value: await foreignSession(), url: E2E.appUrl, httpOnly: true, sameSite: "Lax" },
  ]);
  return out;
}

type Client = ReturnType<typeof createClient>;

/** What every refused call must leave exactly as it was. */
export async function fingerprint(client: Client): Promise<string> {
  const [
    audit,
    campaigns,
    items,
    reviewers,
    definitions,
    expiries,
    sanctions,
    connection,
    settings,
    runs,
    users,
    members,
    notifications,
  ] = await Promise.all([
    client.auditEvent.count(),
    client.campaign.findMany({
      select: { id: true, status: true, version: true, endAt: true, stage: true },
      orderBy: { id: "asc" },
    }),
    // Every change to an item bumps its version; decisions, outcomes and apply results are counted too.
    client.campaignItem.aggregate({
      _count: { _all: true, decision: true, outcome: true, applyStatus: true, decidedById: true },
      _sum: { version: true, applyAttempts: true },
    }),
    client.campaignItemReviewer.count(),
    client.campaignDefinition.count(),
    client.accessExpiry.findMany({ select: { id: true, status: true, expiresAt: true }, orderBy: { id: "asc" } }),
    client.sanctionedExclusion.count(),
    client.connectionSetting.findMany(),
    client.appSetting.findMany({ where: { key: { startsWith: "connection." } }, orderBy: { key: "asc" } }),
    client.syncRun.count(),
    client.dirUser.count(),
    client.dirGroupMember.count(),
    client.notification.count(),
  ]);
  return JSON.stringify({
    audit,
    campaigns,
    items,
    reviewers,
    definitions,
    expiries,
    sanctions,
    connection,
    settings: settings.map((s) => [s.key, s.value]),
    runs,
    users,
    members,
    notifications,
  });
}
