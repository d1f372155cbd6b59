import "server-only";
import { db } from "@/lib/db";
import type { Role } from "./roles";

export async function recordSignIn(p: {
  id: string;
  tenantId: string;
  displayName: string;
  upn: string;
  role: Role;
}): Promise<void> {
  const now = new Date();
  await db().principal.upsert({
    where: { id: p.id },
    create: { ...p, firstSeenAt: now, lastSeenAt: now },
    update: { tenantId: p.tenantId, displayName: p.displayName, upn: p.upn, role: p.role, lastSeenAt: now },
  });
}
