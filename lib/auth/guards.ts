import "server-only";
import type { ReactNode } from "react";
import { redirect } from "next/navigation";
import { env } from "@/lib/env";
import { appCtx } from "@/lib/db";
import { nextAuth } from "./config";
import { standingOf } from "./standing";
import type { Role } from "./roles";
import { httpStatus, NO_ACCESS, SIGN_IN_FIRST, UserError } from "@/lib/errors";

export interface Caller {
  id: string;
  name: string;
  email: string;
  upn: string;
  role: Role;
  tenantId: string;
  /** When this session's sign-in happened (ms), for server-side sign-out. */
  signedInAt: number;
}

/** The signed-in caller, or null. A session of another tenant counts as none. */
export async function getCaller(): Promise<Caller | null> {
  const session = await nextAuth().auth();
  const u = session?.user;
  if (!u?.id || u.tenantId !== env().ENTRA_TENANT_ID) return null;
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    upn: u.upn,
    role: u.role,
    tenantId: u.tenantId,
    signedInAt: u.signedInAt,
  };
}

/**
 * For server actions (through lib/action) and route handlers: throws UserError instead of redirecting. Every
 * write and data route re-reads the caller's standing from the directory (not the session's copy, up to five
 * minutes old): a demoted admin's next action is refused as soon as a sync has seen the change.
 */
export async function requireRole(...roles: Role[]): Promise<Caller> {
  const session = await getCaller();
  if (!session) throw new UserError("unauthenticated", SIGN_IN_FIRST);
  const standing = await standingOf(appCtx(), {
    userId: session.id,
    clientId: env().AUTH_MICROSOFT_ENTRA_ID_ID,
    signedInAt: session.signedInAt,
  });
  if (!standing.ok) throw new UserError("unauthenticated", SIGN_IN_FIRST);
  const caller = standing.role ? { ...session, role: standing.role } : session;
  if (roles.length > 0 && !roles.includes(caller.role)) throw new UserError("forbidden", NO_ACCESS);
  return caller;
}

/** For pages: anonymous visitors go to sign-in, callers without the role see the forbidden page. */
export async function requirePageRole(...roles: Role[]): Promise<Caller> {
  const caller = await getCaller();
  if (!caller) redirect("/signin");
  if (roles.length > 0 && !roles.includes(caller.role)) redirect("/forbidden");
  return caller;
}

/** For route handlers: the caller, or the 401/403 JSON response to return. */
export async function routeCaller(...roles: Role[]): Promise<Caller | Response> {
  try {
    return await requireRole(...roles);
  } catch (e) {
    if (e instanceof UserError) return Response.json({ error: e.message }, { status: httpStatus(e.code) });
    throw e;
  }
}

/**
 * A layout that admits only these roles. Segments with a loading.tsx check roles here: the layout renders
 * before the loading boundary streams the page, so a refusal is still a real redirect (a streamed page could
 * only redirect from the browser, with status 200). Their pages check again.
 */
export function roleLayout(...roles: Role[]) {
  // biome-ignore lint/correctness/noComponentHookFactories: a server layout without hooks; the factory only binds the roles.
  return async function RoleLayout({ children }: { children: ReactNode }): Promise<ReactNode> {
    await requirePageRole(...roles);
    return children;
  };
}
