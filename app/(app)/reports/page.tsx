import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";

export const metadata = { title: "Reports" };

export default async function ReportsPage() {
  await requirePageRole("admin", "auditor");
  return (
    <>
      <PageHeader title="Reports" description="Signed evidence of every closed campaign: PDF, CSV and JSON." />
      <EmptyState title="No reports yet">Reports appear here when a campaign closes. Each one is signed and can be verified offline.</EmptyState>
    </>
  );
}
