import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";

export const metadata = { title: "Campaigns" };

export default async function CampaignsPage() {
  const caller = await requirePageRole("admin", "auditor");
  return (
    <>
      <PageHeader title="Campaigns" description="Quarterly reviews of group, role and app access." />
      <EmptyState title="No campaigns yet">
        {caller.role === "admin"
          ? "Sync the tenant first, then create a campaign from the “Quarterly access review” preset."
          : "No campaign has been created yet. Campaigns and their evidence appear here once an admin starts one."}
      </EmptyState>
    </>
  );
}
