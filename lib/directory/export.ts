import "server-only";
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
