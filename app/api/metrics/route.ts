import { timingSafeEqual } from "node:crypto";
import { appCtx } from "@/lib/db";
import { env } from "@/lib/env";
import { collectMetrics, exposition } from "@/lib/health/metrics";

export const dynamic = "force-dynamic";

/**
 * Prometheus scrape target (#20): `Authorization: Bearer $RECERT_METRICS_TOKEN`. Off (404) without the token set, so
 * an installation never exposes figures by accident; a wrong or missing token is 401 with no figures.
 */
export async function GET(req: Request) {
  const e = env();
  if (!e.RECERT_METRICS_TOKEN) return new Response("Not found\n", { status: 404 });
  const given = Buffer.from(/^Bearer (.+)$/i.exec(req.headers.get("authorization") ?? "")?.[1] ?? "");
  const expected = Buffer.from(e.RECERT_METRICS_TOKEN);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return new Response("Unauthorized\n", {
      status: 401,
      headers: { "www-authenticate": 'Bearer realm="recert-metrics"', "cache-control": "no-store" },
    });
  const text = exposition(await collectMetrics(appCtx()));
  return new Response(text, {
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" },
  });
}
