import { CampaignLink } from "@/components/campaigns/campaign-link";
import { type CellRow, CellTable } from "@/components/data-table/data-table";
import { ButtonLink } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { listCampaigns } from "@/lib/reviews";

export const metadata = { title: "Campaigns" };

const RECURRENCE: Record<string, string> = {
  one_off: "One-off",
  weekly: "Weekly",
  custom: "Every N days",
  monthly: "Monthly",
  quarterly: "Quarterly",
  semi_annual: "Semi-annual",
  annual: "Annual",
};

const COLUMNS = { campaign: "Campaign", status: "Status", period: "Period", progress: "Progress", applied: "Applied" };

function appliedText(a: {
  applied: number;
  alreadyRemoved: number;
  failed: number;
  pending: number;
  manual: number;
}): string {
  return `${a.applied + a.alreadyRemoved} removed${a.failed ? `, ${a.failed} failed` : ""}${a.pending ? `, ${a.pending} pending` : ""}${a.manual ? `, ${a.manual} to remove by hand` : ""}`;
}

export default async function CampaignsPage() {
  const caller = await requirePageRole("admin", "auditor");
  const campaigns = await listCampaigns(appCtx());
  const newButton =
    caller.role === "admin" ? (
      <ButtonLink href="/campaigns/new" variant="primary">
        New campaign
      </ButtonLink>
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
  const row = (c: (typeof campaigns)[number]): CellRow => ({
    key: c.id,
    campaign: (
      <>
        <CampaignLink id={c.id} name={c.name} />
        <div className="text-xs text-slate-500">
          {RECURRENCE[c.recurrence] ?? c.recurrence}
          {c.stageCount > 1 ? ` · ${c.stageCount} stages` : ""}
        </div>
      </>
    ),
    status: <StatusBadge status={c.status} />,
    period: (
      <span className="whitespace-nowrap">
        {new Date(c.startAt).toLocaleDateString()} – {new Date(c.endAt).toLocaleDateString()}
      </span>
    ),
    progress:
      c.status === "draft"
        ? "—"
        : `${c.decided} / ${c.itemCount} (${c.itemCount ? Math.round((c.decided / c.itemCount) * 100) : 0}%)`,
    applied: c.status === "closed" || c.status === "applied" ? appliedText(c.applied) : "—",
  });
  return (
    <>
      <PageHeader
        title="Campaigns"
        description="Quarterly reviews of group, role and app access."
        actions={newButton}
      />
      <CellTable testId="campaigns" empty="No campaigns." columns={COLUMNS} rows={campaigns.map(row)} />
    </>
  );
}
