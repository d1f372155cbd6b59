import { routeCaller } from "@/lib/auth";
import { db } from "@/lib/db";
import { auditBatches, auditWhere, ZAuditQuery } from "@/lib/audit";
import { csvLine } from "@/lib/reports/csv";

/** The filtered audit log as CSV, streamed in seq order. Admins and auditors. */
export async function GET(req: Request) {
  const caller = await routeCaller("admin", "auditor");
  if (caller instanceof Response) return caller;
  const u = new URL(req.url);
  const g = (k: string) => u.searchParams.get(k) ?? undefined;
  const where = auditWhere(
    ZAuditQuery.parse({ action: g("action"), actor: g("actor"), target: g("target"), from: g("from"), to: g("to") }),
  );
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(
        enc.encode(
          csvLine([
            "seq",
            "at",
            "actorType",
            "actorId",
            "actorName",
            "action",
            "targetType",
            "targetId",
            "before",
            "after",
            "context",
            "prevHash",
            "hash",
          ]),
        ),
      );
      for await (const rows of auditBatches(db(), where)) {
        controller.enqueue(
          enc.encode(
            rows
              .map((r) =>
                csvLine([
                  r.seq,
                  r.at.toISOString(),
                  r.actorType,
                  r.actorId,
                  r.actorName,
                  r.action,
                  r.targetType,
                  r.targetId,
                  r.before,
                  r.after,
                  r.context,
                  r.prevHash,
                  r.hash,
                ]),
              )
              .join(""),
          ),
        );
      }
      controller.close();
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="recert-audit-log.csv"',
      "cache-control": "no-store",
    },
  });
}
