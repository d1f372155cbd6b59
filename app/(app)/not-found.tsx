import { ButtonLink } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Not found" };

export default function NotFound() {
  return (
    <EmptyState title="This page does not exist" action={{ href: "/", label: "Back to the start page" }}>
      The address may be mistyped, or what it pointed to (a campaign, a user, a group) is not in this tenant&apos;s
      data.{" "}
      <ButtonLink href="/reviews" variant="ghost" size="sm">
        My reviews
      </ButtonLink>
    </EmptyState>
  );
}
