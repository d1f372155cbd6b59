import Link from "next/link";

/** A campaign's name linking to its page. */
export function CampaignLink({ id, name }: { id: string; name: string }) {
  return (
    <Link href={`/campaigns/${id}`} className="font-medium text-brand-700 hover:underline">
      {name}
    </Link>
  );
}
