import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";

export const metadata = { title: "Directory" };

export default async function DirectoryPage() {
  const caller = await requirePageRole("admin", "auditor");
  return (
    <>
      <PageHeader title="Directory" description="Users, guests, groups and apps as of the last complete sync." />
      <EmptyState title="The directory is empty" action={caller.role === "admin" ? { href: "/settings", label: "Go to Settings" } : undefined}>
        Nothing has been synced from Microsoft Graph yet. {caller.role === "admin" ? "Run a sync from Settings." : "Ask an admin to run a sync."}
      </EmptyState>
    </>
  );
}
