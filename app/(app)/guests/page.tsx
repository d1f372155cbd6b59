import { DeniedGuests } from "@/components/guests/denied-guests";
import { GuestTable } from "@/components/guests/guest-table";
import { ButtonLink } from "@/components/ui/button";
import { FilteredList, standardList } from "@/components/ui/list-controls";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { GUEST_FILTERS, GUEST_PAGE_SIZE, listGuests, ZGuestQuery } from "@/lib/guests";
import { listDeniedGuests } from "@/lib/reviews";
import { type ListPageProps, parseSearch } from "@/lib/input/list-url";
import {
  cancelExpiryAction,
  expiryPreviewAction,
  extendExpiryAction,
  restoreDeniedGuestAction,
  setExpiryAction,
} from "./actions";

export const metadata = { title: "Guests" };

const LABEL: Record<(typeof GUEST_FILTERS)[number], string> = {
  all: "All",
  pending: "Pending invitation",
  inactive: "Inactive > 90 days",
  nosponsor: "No sponsor",
  privileged: "Privileged",
  expiring: "Access ending",
};
const EXPIRY_ACTIONS = {
  setExpiry: setExpiryAction,
  preview: expiryPreviewAction,
  extend: extendExpiryAction,
  cancel: cancelExpiryAction,
};

export default async function GuestsPage({ searchParams }: ListPageProps) {
  const caller = await requirePageRole("admin", "auditor");
  const q = await parseSearch(searchParams, ZGuestQuery);
  const { rows, total, companies } = await listGuests(appCtx(), q);
  const denied = await listDeniedGuests(appCtx());
  const list = standardList({
    path: "/guests",
    exportPath: "/guests/guests.csv",
    state: q,
    defaults: { filter: "all", page: 1 },
    filters: { label: "Filters", keys: GUEST_FILTERS, text: (f) => LABEL[f] },
    search: { placeholder: "Search guests", label: "Search guests" },
    pager: { total, pageSize: GUEST_PAGE_SIZE, noun: ["guest", "guests"], testId: "guests-total" },
  });
  const description =
    "Every external identity: company, sponsors, invitation, activity, what it holds, and when its access ends.";
  const startReview =
    caller.role === "admin" ? (
      <ButtonLink href="/campaigns/new?preset=guests">Start a guest review</ButtonLink>
    ) : undefined;
  const company = (
    <select
      name="company"
      defaultValue={q.company}
      aria-label="Company filter"
      className="rounded-md border border-slate-300 px-2 py-1.5 text-sm"
    >
      <option value="">All companies</option>
      {companies.map((c) => (
        <option key={c}>{c}</option>
      ))}
    </select>
  );
  return (
    <>
      <PageHeader title="Guests" description={description} actions={startReview} />
      <FilteredList {...list} searchExtra={company}>
        <GuestTable rows={rows} companies={companies} canEdit={caller.role === "admin"} actions={EXPIRY_ACTIONS} />
      </FilteredList>
      <DeniedGuests
        rows={denied.map((d) => ({
          id: d.id,
          userId: d.userId,
          userName: d.userName,
          campaignId: d.campaignId,
          status: d.status,
          deleteAt: d.deleteAt.toISOString(),
          error: d.error,
        }))}
        {...(caller.role === "admin" ? { restore: restoreDeniedGuestAction } : {})}
      />
    </>
  );
}
