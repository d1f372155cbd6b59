import "server-only";
import type { NextRequest } from "next/server";
import { routeCaller } from "@/lib/auth";
import { appCtx, type Ctx } from "@/lib/db";
import { csvLine } from "@/lib/reports/csv";

/**
 * A CSV download streamed page by page from a paged list function (memory stays flat), with a BOM so
 * Excel reads UTF-8, and every cell neutralised against formula injection (csvCell).
 */
export function csvResponse<T>(
  name: string,
  header: readonly (keyof T & string)[],
  pageOf: (page: number) => Promise<{ rows: T[]; total: number; pageSize: number }>,
): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(`\uFEFF${csvLine([...header])}`));
      for (let page = 1; ; page++) {
        const { rows, total, pageSize } = await pageOf(page);
        controller.enqueue(encoder.encode(rows.map((r) => csvLine(header.map((h) => r[h]))).join("")));
        if (rows.length === 0 || page * pageSize >= total) break;
      }
      controller.close();
    },
  });
  const stamp = new Date().toISOString().slice(0, 10);
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, "_")}-${stamp}.csv"`,
      "cache-control": "no-store",
    },
  });
}

/**
 * GET handler for a directory list as CSV (admins and auditors): the list's own query parameters, all pages.
 * One factory for every list, so the guard, the parsing and the streaming cannot drift apart.
 */
export function listCsvRoute<T, I extends { page: number; filter: string }>(o: {
  name: string;
  schema: { parse: (v: unknown) => I };
  header: readonly (keyof T & string)[];
  list: (ctx: Ctx, input: I) => Promise<{ rows: T[]; total: number; pageSize: number }>;
}): (req: NextRequest) => Promise<Response> {
  return async (req) => {
    const caller = await routeCaller("admin", "auditor");
    if (caller instanceof Response) return caller;
    const sp = req.nextUrl.searchParams;
    const input = o.schema.parse({ q: sp.get("q") ?? undefined, filter: sp.get("filter") ?? undefined });
    const ctx = appCtx();
    return csvResponse<T>(`recert-${o.name}-${input.filter}`, o.header, (page) => o.list(ctx, { ...input, page }));
  };
}
