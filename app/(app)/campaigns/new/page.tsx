import { NewCampaignForm } from "@/components/campaigns/new-campaign-form";
import { createCampaignAction } from "../actions";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { guestPreset, quarterlyPreset } from "@/lib/reviews";

export const metadata = { title: "New campaign" };

export default async function NewCampaignPage({ searchParams }: { searchParams: Promise<{ preset?: string }> }) {
  await requirePageRole("admin");
  const now = new Date();
  const guests = (await searchParams).preset === "guests";
  const preset = guests ? guestPreset(now) : quarterlyPreset(now);
  const groups = await db().dirGroup.findMany({
    where: { tenantId: env().ENTRA_TENANT_ID, isDynamic: false, kind: { not: "distribution" } },
    orderBy: { displayName: "asc" },
    select: { id: true, displayName: true },
    take: 2000,
  });
  const roles = await db().dirRoleDefinition.findMany({
    where: { tenantId: env().ENTRA_TENANT_ID },
    orderBy: { displayName: "asc" },
    select: { id: true, displayName: true },
    take: 500,
  });
  const apps = await db().dirServicePrincipal.findMany({
    where: { tenantId: env().ENTRA_TENANT_ID },
    orderBy: { displayName: "asc" },
    select: { id: true, displayName: true },
    take: 2000,
  });
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  return (
    <>
      <PageHeader
        title={guests ? "New guest review" : "New campaign"}
        description={
          guests
            ? "The guest review preset: every guest's memberships, reviewed by their sponsors (fallback: manager, then the fallback reviewers you name); pending invitations older than 30 days and inactive guests are recommended for removal, and unanswered items take the recommendation."
            : "Starts from the “Quarterly access review” preset: group owners re-approve every security group member each quarter; revocations are applied when it closes."
        }
      />
      <NewCampaignForm
        create={createCampaignAction}
        groups={groups.map((g) => ({ id: g.id, name: g.displayName ?? g.id }))}
        roles={roles.map((r) => ({ id: r.id, name: r.displayName ?? r.id }))}
        apps={apps.map((a) => ({ id: a.id, name: a.displayName ?? a.id }))}
        preset={{
          name: preset.name,
          description: preset.description,
          startAt: local,
          scope: preset.config.scope.kind,
          who: preset.config.population.who,
          reviewers: preset.config.stages[0]!.reviewers,
          noResponse: preset.config.noResponse,
          onApprove: preset.config.justification.onApprove,
          onRevoke: preset.config.justification.onRevoke,
        }}
      />
    </>
  );
}
