import "server-only";
import { redirect } from "next/navigation";
import { env } from "@/lib/env";
import { nextAuth } from "./config";
import type { Role } from "./roles";

export interface Caller {
  id: string;
  name: string;
  email: string;
  upn: string;
  role: Role;
  tenantId: string;
}

export class AuthError extends Error {
  constructor(public readonly code: "unauthenticated" | "forbidden") {
    super(code === "unauthenticated" ? "Sign in first." : "You do not have access to this.");
  }
}

/** The signed-in caller, or null. A session of another tenant counts as none. */
export async function getCaller(): Promise<Caller | null> {
  const session = await nextAuth().auth();
  const u = session?.user;
  if (!u?.id || u.tenantId !== env().ENTRA_TENANT_ID) return null;
  return { id: u.id, name: u.name, email: u.email, upn: u.upn, role: u.role, tenantId: u.tenantId };
}

/** For server actions and route handlers: throws AuthError instead of redirecting. */
export async function requireRole(...roles: Role[]): Promise<Caller> {
  const caller = await getCaller();
  if (!caller) throw new AuthError("unauthenticated");
  if (roles.length > 0 && !roles.includes(caller.role)) throw new AuthError("forbidden");
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
    if (e instanceof AuthError) return Response.json({ error: e.message }, { status: e.code === "unauthenticated" ? 401 : 403 });
    throw e;
  }
}

/** For server actions: the caller, or the `{ ok: false, error }` result to return. */
export async function actionCaller(...roles: Role[]): Promise<Caller | { ok: false; error: string }> {
  try {
    return await requireRole(...roles);
  } catch (e) {
    if (e instanceof AuthError) return { ok: false, error: e.message };
    throw e;
  }
}
