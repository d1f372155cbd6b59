import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { listCampaigns } from "@/lib/reviews";

export const metadata = { title: "Campaigns" };

const STATUS_STYLE: Record<string, string> = {
  draft: "bg-slate-100 text-slate-700 ring-slate-200",
  active: "bg-sky-50 text-sky-700 ring-sky-200",
  closed: "bg-amber-50 text-amber-800 ring-amber-200",
  applied: "bg-emerald-50 text-emerald-700 ring-emerald-200",
};
const RECURRENCE: Record<string, string> = {
  one_off: "One-off",
  monthly: "Monthly",
  quarterly: "Quarterly",
  semi_annual: "Semi-annual",
  annual: "Annual",
};

export default async function CampaignsPage() {
  const caller = await requirePageRole("admin", "auditor");
  const campaigns = await listCampaigns(appCtx());
  const newButton =
    caller.role === "admin" ? (
      <Link
        href="/campaigns/new"
        className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700"
      >
        New campaign
      </Link>
    ) : undefined;
  if (campaigns.length === 0) {
    return (
      <>
        <PageHeader
          title="Campaigns"
          description="Quarterly reviews of group, role and app access."
          actions={newButton}
        />
        <EmptyState
          title="No campaigns yet"
          action={caller.role === "admin" ? { href: "/campaigns/new", label: "Create a campaign" } : undefined}
        >
          {caller.role === "admin"
            ? "Sync the tenant first, then create a campaign from the “Quarterly access review” preset."
            : "No campaign has been created yet. Campaigns and their evidence appear here once an admin starts one."}
        </EmptyState>
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="Campaigns"
        description="Quarterly reviews of group, role and app access."
        actions={newButton}
      />
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
        <table className="min-w-full text-sm" data-testid="campaigns">
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-4 py-2 font-medium">Campaign</th>
              <th className="px-4 py-2 font-medium">Status</th>
              <th className="px-4 py-2 font-medium">Period</th>
              <th className="px-4 py-2 font-medium">Progress</th>
              <th className="px-4 py-2 font-medium">Applied</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {campaigns.map((c) => {
              const pct = c.itemCount ? Math.round((c.decided / c.itemCount) * 100) : 0;
              return (
                <tr key={c.id}>
                  <td className="px-4 py-2">
                    <Link href={`/campaigns/${c.id}`} className="font-medium text-brand-700 hover:underline">
                      {c.name}
                    </Link>
                    <div className="text-xs text-slate-500">
                      {RECURRENCE[c.recurrence] ?? c.recurrence}
                      {c.stageCount > 1 ? ` · ${c.stageCount} stages` : ""}
                    </div>
                  </td>
                  <td className="px-4 py-2">
                    <span
                      className={`rounded-full px-2 py-0.5 text-xs font-medium capitalize ring-1 ${STATUS_STYLE[c.status] ?? ""}`}
                    >
                      {c.status}
                    </span>
                  </td>
                  <td className="whitespace-nowrap px-4 py-2 text-slate-700">
                    {new Date(c.startAt).toLocaleDateString()} – {new Date(c.endAt).toLocaleDateString()}
                  </td>
                  <td className="px-4 py-2 text-slate-700">
                    {c.status === "draft" ? "—" : `${c.decided} / ${c.itemCount} (${pct}%)`}
                  </td>
                  <td className="px-4 py-2 text-slate-700">
                    {c.status === "closed" || c.status === "applied"
                      ? `${c.applied.applied + c.applied.alreadyRemoved} removed${c.applied.failed ? `, ${c.applied.failed} failed` : ""}${c.applied.pending ? `, ${c.applied.pending} pending` : ""}${c.applied.manual ? `, ${c.applied.manual} to remove in Exchange` : ""}`
                      : "—"}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
