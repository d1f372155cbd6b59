import Link from "next/link";
import { GuestTable } from "@/components/guests/guest-table";
import { cancelExpiryAction, expiryPreviewAction, extendExpiryAction, setExpiryAction } from "./actions";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { GUEST_FILTERS, GUEST_PAGE_SIZE, listGuests, ZGuestQuery, type GuestQuery } from "@/lib/guests";

export const metadata = { title: "Guests" };

const LABEL: Record<(typeof GUEST_FILTERS)[number], string> = {
  all: "All",
  pending: "Pending invitation",
  inactive: "Inactive > 90 days",
  nosponsor: "No sponsor",
  privileged: "Privileged",
  expiring: "Access ending",
};

export default async function GuestsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const caller = await requirePageRole("admin", "auditor");
  const raw = await searchParams;
  const one = (k: string) => (typeof raw[k] === "string" ? raw[k] : undefined);
  const q = ZGuestQuery.parse({ q: one("q"), filter: one("filter"), company: one("company"), page: one("page") });
  const { rows, total, companies } = await listGuests(appCtx(), q);
  const href = (o: Partial<GuestQuery>, base = "/guests") => {
    const m = { ...q, ...o };
    const p = new URLSearchParams();
    if (m.q) p.set("q", m.q);
    if (m.filter !== "all") p.set("filter", m.filter);
    if (m.company) p.set("company", m.company);
    if (m.page > 1) p.set("page", String(m.page));
    return `${base}${p.size ? `?${p}` : ""}`;
  };
  const pages = Math.max(1, Math.ceil(total / GUEST_PAGE_SIZE));
  return (
    <>
      <PageHeader
        title="Guests"
        description="Every external identity: company, sponsors, invitation, activity, what it holds, and when its access ends."
        actions={
          caller.role === "admin" ? (
            <Link
              href="/campaigns/new?preset=guests"
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
            >
              Start a guest review
            </Link>
          ) : undefined
        }
      />
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <nav aria-label="Filters" className="flex flex-wrap gap-1">
          {GUEST_FILTERS.map((f) => (
            <Link
              key={f}
              href={href({ filter: f, page: 1 })}
              aria-current={q.filter === f ? "page" : undefined}
              className={`rounded-md px-3 py-1.5 text-sm font-medium ${q.filter === f ? "bg-brand-600 text-white" : "bg-white text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50"}`}
            >
              {LABEL[f]}
            </Link>
          ))}
        </nav>
        <form action="/guests" className="flex gap-2">
          {q.filter !== "all" && <input type="hidden" name="filter" value={q.filter} />}
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
          <input
            type="search"
            name="q"
            defaultValue={q.q}
            placeholder="Search guests"
            aria-label="Search guests"
            className="w-56 rounded-md border border-slate-300 px-3 py-1.5 text-sm"
          />
          <button
            type="submit"
            className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
          >
            Search
          </button>
          <a
            href={href({ page: 1 }, "/guests/guests.csv")}
            download
            className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
          >
            Export CSV
          </a>
        </form>
      </div>
      <GuestTable
        rows={rows}
        companies={companies}
        canEdit={caller.role === "admin"}
        actions={{
          setExpiry: setExpiryAction,
          preview: expiryPreviewAction,
          extend: extendExpiryAction,
          cancel: cancelExpiryAction,
        }}
      />
      <div className="mt-3 flex items-center justify-between text-sm text-slate-600">
        <span data-testid="guests-total">
          {total} guest{total === 1 ? "" : "s"} · page {q.page} of {pages}
        </span>
        <span className="flex gap-2">
          {q.page > 1 && (
            <Link href={href({ page: q.page - 1 })} className="rounded-md px-3 py-1 ring-1 ring-slate-200">
              Previous
            </Link>
          )}
          {q.page < pages && (
            <Link href={href({ page: q.page + 1 })} className="rounded-md px-3 py-1 ring-1 ring-slate-200">
              Next
            </Link>
          )}
        </span>
      </div>
    </>
  );
}
