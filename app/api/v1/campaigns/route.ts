import { requireApiCaller } from "@/lib/auth/api-guard";
import { appCtx } from "@/lib/db";
import { listCampaigns } from "@/lib/reviews";

/** GET /api/v1/campaigns — every started campaign with its counts and report links (Recert.Auditor). */
export async function GET(req: Request) {
  const auth = await requireApiCaller(req);
  if ("response" in auth) return auth.response;
  const base = new URL(req.url).origin;
  const campaigns = (await listCampaigns(appCtx())).filter((c) => c.status !== "draft");
  return Response.json(
    {
      campaigns: campaigns.map((c) => ({
        id: c.id,
        name: c.name,
        status: c.status,
        startAt: c.startAt,
        endAt: c.endAt,
        items: c.itemCount,
        decided: c.decided,
        applied: c.applied,
        reports: {
          pdf: `${base}/api/v1/campaigns/${c.id}/report.pdf`,
          csv: `${base}/api/v1/campaigns/${c.id}/report.csv`,
          json: `${base}/api/v1/campaigns/${c.id}/report.json`,
          // The evidence package exists once the campaign has closed (#17).
          package:
            c.status === "closed" || c.status === "applied" ? `${base}/api/v1/campaigns/${c.id}/evidence.zip` : null,
        },
      })),
    },
    { headers: { "cache-control": "no-store" } },
  );
}
