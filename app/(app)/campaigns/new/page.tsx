import { NewCampaignForm } from "@/components/campaigns/new-campaign-form";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { quarterlyPreset } from "@/lib/reviews";

export const metadata = { title: "New campaign" };

export default async function NewCampaignPage() {
  await requirePageRole("admin");
  const now = new Date();
  const preset = quarterlyPreset(now);
  const groups = await db().dirGroup.findMany({ where: { tenantId: env().ENTRA_TENANT_ID, isDynamic: false, kind: { not: "distribution" } }, orderBy: { displayName: "asc" }, select: { id: true, displayName: true }, take: 2000 });
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  return (
    <>
      <PageHeader title="New campaign" description="Starts from the “Quarterly access review” preset: group owners re-approve every security group member each quarter; revocations are applied when it closes." />
      <NewCampaignForm groups={groups.map((g) => ({ id: g.id, name: g.displayName ?? g.id }))} preset={{ name: preset.name, description: preset.description, startAt: local }} />
    </>
  );
}
