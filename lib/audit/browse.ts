/** The audit log as auditors browse it: filters, pages, and CSV export (formula injection neutralised). */
import { z } from "zod";
import { searchText } from "@/lib/input";
import type { Db, Prisma } from "@/lib/db/index";

/** A real calendar day (2026-02-30 and 2026-99-99 are not). */
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d));

export const ZAuditQuery = z.object({
  action: z
    .string()
    .trim()
    .max(100)
    .regex(/^[a-z.]*$/, "Actions are like campaign.close")
    .catch(""),
  actor: searchText(),
  target: searchText(100),
  from: day.catch(""),
  to: day.catch(""),
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1),
});
export type AuditQuery = z.infer<typeof ZAuditQuery>;
export const AUDIT_PAGE_SIZE = 50;

export function auditWhere(q: AuditQuery): Prisma.AuditEventWhereInput {
  const and: Prisma.AuditEventWhereInput[] = [];
  if (q.action) and.push({ action: { startsWith: q.action } });
  if (q.actor) and.push({ OR: [{ actorName: { contains: q.actor } }, { actorId: q.actor }] });
  if (q.target) and.push({ targetId: q.target });
  if (q.from) and.push({ at: { gte: new Date(`${q.from}T00:00:00Z`) } });
  if (q.to) and.push({ at: { lt: new Date(new Date(`${q.to}T00:00:00Z`).getTime() + 86_400_000) } });
  return and.length ? { AND: and } : {};
}

export async function listAudit(db: Db, q: AuditQuery) {
  const where = auditWhere(q);
  const [total, rows, actions] = await Promise.all([
    db.auditEvent.count({ where }),
    db.auditEvent.findMany({
      where,
      orderBy: { seq: "desc" },
      skip: (q.page - 1) * AUDIT_PAGE_SIZE,
      take: AUDIT_PAGE_SIZE,
    }),
    db.auditEvent.groupBy({ by: ["action"], orderBy: { action: "asc" } }),
  ]);
  return { total, rows, actions: actions.map((a) => a.action) };
}

/** Every matching event in seq order, in batches (for CSV export and the evidence API). */
export async function* auditBatches(
  db: Db,
  where: Prisma.AuditEventWhereInput,
  afterSeq = 0,
  batch = 2_000,
  limit = Number.POSITIVE_INFINITY,
): AsyncGenerator<Awaited<ReturnType<Db["auditEvent"]["findMany"]>>> {
  let after = afterSeq;
  let left = limit;
  while (left > 0) {
    const rows = await db.auditEvent.findMany({
      where: { AND: [where, { seq: { gt: after } }] },
      orderBy: { seq: "asc" },
      take: Math.min(batch, left),
    });
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]!.seq;
    left -= rows.length;
    if (rows.length < batch) return;
  }
}
