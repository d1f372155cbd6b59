"use server";

import { databaseFaultMessage } from "@/lib/db/errors";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { stripNul } from "@/lib/input";
import { AuthError, requireRole } from "@/lib/auth";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { ExpiryError, ZSetExpiry, cancelExpiry, expiryPlan, extendExpiry, setExpiry, type SetExpiryInput } from "@/lib/guests";

type Result<T = object> = ({ ok: true } & T) | { ok: false; error: string };

async function admin(): Promise<{ id: string; name: string } | { error: string }> {
  try {
    const c = await requireRole("admin");
    return { id: c.id, name: c.name };
  } catch (e) {
    if (e instanceof AuthError) return { error: e.message };
    throw e;
  }
}
const ctx = () => ({ db: db(), databaseUrl: env().DATABASE_URL, tenantId: env().ENTRA_TENANT_ID });
const message = (e: z.ZodError) => e.issues.map((i) => i.message).join("; ");

export async function setExpiryAction(input: SetExpiryInput): Promise<Result<{ scheduled: number }>> {
  const a = await admin();
  if ("error" in a) return { ok: false, error: a.error };
  const parsed = ZSetExpiry.safeParse(stripNul(input));
  if (!parsed.success) return { ok: false, error: message(parsed.error) };
  try {
    const r = await setExpiry(ctx(), { id: a.id, name: a.name, role: "admin" }, parsed.data);
    revalidatePath("/guests");
    return { ok: true, ...r };
  } catch (e) {
    if (e instanceof ExpiryError) return { ok: false, error: e.message };
    const fault = databaseFaultMessage(e);
    if (fault) return { ok: false, error: fault };
    throw e;
  }
}

const ZChange = z.object({ expiryId: z.string().uuid("Not an expiry id."), expiresAt: z.coerce.date().optional(), reason: z.string().trim().min(1, "Give a reason.").max(500) });

export async function extendExpiryAction(input: z.input<typeof ZChange>): Promise<Result> {
  const a = await admin();
  if ("error" in a) return { ok: false, error: a.error };
  const parsed = ZChange.safeParse(stripNul(input));
  if (!parsed.success || !parsed.data.expiresAt) return { ok: false, error: parsed.success ? "Pick the new end date." : message(parsed.error) };
  try {
    await extendExpiry(ctx(), { id: a.id, name: a.name, role: "admin" }, parsed.data.expiryId, parsed.data.expiresAt, parsed.data.reason);
    revalidatePath("/guests");
    return { ok: true };
  } catch (e) {
    if (e instanceof ExpiryError) return { ok: false, error: e.message };
    const fault = databaseFaultMessage(e);
    if (fault) return { ok: false, error: fault };
    throw e;
  }
}

export async function cancelExpiryAction(input: z.input<typeof ZChange>): Promise<Result> {
  const a = await admin();
  if ("error" in a) return { ok: false, error: a.error };
  const parsed = ZChange.safeParse(stripNul(input));
  if (!parsed.success) return { ok: false, error: message(parsed.error) };
  try {
    await cancelExpiry(ctx(), { id: a.id, name: a.name, role: "admin" }, parsed.data.expiryId, parsed.data.reason);
    revalidatePath("/guests");
    return { ok: true };
  } catch (e) {
    if (e instanceof ExpiryError) return { ok: false, error: e.message };
    const fault = databaseFaultMessage(e);
    if (fault) return { ok: false, error: fault };
    throw e;
  }
}

/** Preview: what the expiry of one person would remove, as of the last sync. */
export async function expiryPreviewAction(userId: string, blockSignIn: boolean): Promise<Result<{ items: { kind: string; target: string }[] }>> {
  const a = await admin();
  if ("error" in a) return { ok: false, error: a.error };
  const parsed = z.guid().safeParse(userId);
  if (!parsed.success) return { ok: false, error: "Not a user id." };
  const plan = await expiryPlan(db(), env().ENTRA_TENANT_ID, parsed.data, blockSignIn === true);
  return { ok: true, items: plan.map((p) => ({ kind: p.kind, target: p.targetName ?? p.targetId })) };
}
