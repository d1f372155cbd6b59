import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";

export const metadata = { title: "My reviews" };

export default async function MyReviewsPage() {
  await requirePageRole();
  return (
    <>
      <PageHeader title="My reviews" description="Every open campaign with access you are asked to approve or revoke." />
      <EmptyState title="Nothing to review">
        You have no open reviews. When an admin starts a campaign that names you as owner, manager or reviewer, your items appear here with their due date.
      </EmptyState>
    </>
  );
}
