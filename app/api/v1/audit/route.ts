import { z } from "zod";
import { requireApiCaller } from "@/lib/auth/api-guard";
import { db } from "@/lib/db";
import { auditBatches } from "@/lib/audit";

const ZQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(5_000).default(1_000),
});

/** GET /api/v1/audit?after=<seq>&limit=<n> — the hash-chained audit log in seq order, paged by seq (Recert.Auditor). */
export async function GET(req: Request) {
  const auth = await requireApiCaller(req);
  if ("response" in auth) return auth.response;
  const u = new URL(req.url);
  const q = ZQuery.safeParse({
    after: u.searchParams.get("after") ?? undefined,
    limit: u.searchParams.get("limit") ?? undefined,
  });
  if (!q.success)
    return Response.json(
      { error: "invalid_request", error_description: "after must be a sequence number ≥ 0 and limit 1–5000." },
      { status: 400 },
    );
  const events = [];
  for await (const rows of auditBatches(db(), {}, q.data.after, Math.min(q.data.limit, 2_000), q.data.limit)) {
    for (const r of rows)
      events.push({
        seq: r.seq,
        at: r.at.toISOString(),
        actorType: r.actorType,
        actorId: r.actorId,
        actorName: r.actorName,
        action: r.action,
        targetType: r.targetType,
        targetId: r.targetId,
        before: r.before ? JSON.parse(r.before) : null,
        after: r.after ? JSON.parse(r.after) : null,
        context: r.context ? JSON.parse(r.context) : null,
        prevHash: r.prevHash,
        hash: r.hash,
      });
  }
  const last = events[events.length - 1];
  return Response.json(
    {
      events,
      next:
        events.length === q.data.limit && last
          ? `${u.origin}/api/v1/audit?after=${last.seq}&limit=${q.data.limit}`
          : null,
    },
    { headers: { "cache-control": "no-store" } },
  );
}
