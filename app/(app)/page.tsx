import { redirect } from "next/navigation";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";

export const metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const caller = await requirePageRole();
  // Reviewers have one job here: their reviews.
  if (caller.role === "reviewer") redirect("/reviews");
  return (
    <>
      <PageHeader title="Dashboard" description="MFA coverage, conditional-access enforcement, stale access and campaign progress." />
      <EmptyState
        title="No directory data yet"
        action={caller.role === "admin" ? { href: "/settings", label: "Connect a tenant" } : undefined}
      >
        {caller.role === "admin"
          ? "Connect your Entra tenant in Settings and run a first sync. Charts of MFA coverage and policy enforcement appear here once the data is in."
          : "An admin has not synced the tenant yet. Once they have, coverage charts and hygiene figures appear here."}
      </EmptyState>
    </>
  );
}
