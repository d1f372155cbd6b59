import Link from "next/link";
import { notFound } from "next/navigation";
import { ReviewTable } from "@/components/reviews/review-table";
import { acceptAllRecommendationsAction, decideAction } from "../actions";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { reviewPage, ZReviewQuery, type ReviewQuery } from "@/lib/reviews";

export const metadata = { title: "Review" };

const FILTERS: { key: "state" | "rec" | "kind"; label: string; options: [string, string][] }[] = [
  {
    key: "state",
    label: "Status",
    options: [
      ["all", "All"],
      ["undecided", "Not decided"],
      ["decided", "Decided"],
    ],
  },
  {
    key: "rec",
    label: "Recommendation",
    options: [
      ["all", "All"],
      ["revoke", "Revoke"],
      ["approve", "Approve"],
      ["no_data", "No data"],
    ],
  },
  {
    key: "kind",
    label: "Who",
    options: [
      ["all", "Everyone"],
      ["member", "Members"],
      ["guest", "Guests"],
    ],
  },
];

export default async function ReviewPage({
  params,
  searchParams,
}: {
  params: Promise<{ campaignId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const caller = await requirePageRole();
  const { campaignId } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(campaignId)) notFound();
  const raw = await searchParams;
  const one = (k: string) => (typeof raw[k] === "string" ? raw[k] : undefined);
  const query = ZReviewQuery.parse({
    q: one("q"),
    rec: one("rec"),
    kind: one("kind"),
    resource: one("resource"),
    state: one("state"),
    sort: one("sort"),
    dir: one("dir"),
    page: one("page"),
  });
  const data = await reviewPage(appCtx(), campaignId, caller.id, query);
  // Someone else's campaign (or none) looks the same: not found.
  if (!data) notFound();
  const href = (o: Partial<ReviewQuery>) => {
    const m = { ...query, ...o };
    const p = new URLSearchParams();
    if (m.q) p.set("q", m.q);
    for (const k of ["rec", "kind", "state"] as const) if (m[k] !== "all") p.set(k, m[k]);
    if (m.resource) p.set("resource", m.resource);
    if (m.sort !== "resource") p.set("sort", m.sort);
    if (m.dir !== "asc") p.set("dir", m.dir);
    if (m.page > 1) p.set("page", String(m.page));
    return `/reviews/${campaignId}${p.size ? `?${p}` : ""}`;
  };
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  const pct = data.progress.total ? Math.round((data.progress.decided / data.progress.total) * 100) : 0;
  const editable = data.campaign.status === "active" && caller.role !== "auditor";
  return (
    <>
      <PageHeader
        title={data.campaign.name}
        description={
          <>
            {data.campaign.description}{" "}
            <span className="whitespace-nowrap">
              Due{" "}
              <time dateTime={data.campaign.dueAt}>
                {new Date(data.campaign.dueAt).toLocaleDateString(undefined, { dateStyle: "medium" })}
              </time>
              {data.campaign.stageCount > 1 ? ` · stage ${data.campaign.stage} of ${data.campaign.stageCount}` : ""}
            </span>
          </>
        }
        actions={
          <Link
            href="/reviews"
            className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
          >
            All my reviews
          </Link>
        }
      />
      {data.campaign.status !== "active" && (
        <p className="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800 ring-1 ring-amber-200">
          This campaign is {data.campaign.status}: decisions can no longer change.
        </p>
      )}
      <section aria-label="Progress" className="mb-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
          <span className="font-medium text-slate-900" data-testid="progress-text">
            {data.progress.decided} of {data.progress.total} decided ({pct}%)
          </span>
          <span className="text-slate-600">
            {data.progress.approve} approved · {data.progress.revoke} revoked · {data.progress.dontknow} don&apos;t know
          </span>
        </div>
        <div
          className="mt-2 h-2 overflow-hidden rounded-full bg-slate-100"
          role="progressbar"
          aria-valuenow={pct}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-label="Review progress"
        >
          <div className="h-full bg-brand-600" style={{ width: `${pct}%` }} />
        </div>
      </section>
      <div className="mb-3 flex flex-wrap items-end gap-4">
        {FILTERS.map((f) => (
          <nav key={f.key} aria-label={f.label} className="flex items-center gap-1">
            <span className="mr-1 text-xs font-medium uppercase tracking-wide text-slate-500">{f.label}</span>
            {f.options.map(([value, label]) => (
              <Link
                key={value}
                href={href({ [f.key]: value, page: 1 } as Partial<ReviewQuery>)}
                aria-current={query[f.key] === value ? "page" : undefined}
                className={`rounded-md px-2.5 py-1 text-sm ${query[f.key] === value ? "bg-brand-600 text-white" : "bg-white text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50"}`}
              >
                {label}
              </Link>
            ))}
          </nav>
        ))}
        <form action={`/reviews/${campaignId}`} className="ml-auto flex flex-wrap gap-2">
          {(["rec", "kind", "state"] as const).map(
            (k) => query[k] !== "all" && <input key={k} type="hidden" name={k} value={query[k]} />,
          )}
          <select
            name="resource"
            defaultValue={query.resource}
            aria-label="Resource"
            className="max-w-56 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          >
            <option value="">All resources</option>
            {data.resources.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name ?? r.id}
              </option>
            ))}
          </select>
          <select
            name="sort"
            defaultValue={query.sort}
            aria-label="Sort by"
            className="rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          >
            <option value="resource">Sort: resource</option>
            <option value="principal">Sort: person</option>
            <option value="recommendation">Sort: recommendation</option>
            <option value="decision">Sort: decision</option>
            <option value="lastSignIn">Sort: last sign-in</option>
          </select>
          <select
            name="dir"
            defaultValue={query.dir}
            aria-label="Sort direction"
            className="rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          >
            <option value="asc">Ascending</option>
            <option value="desc">Descending</option>
          </select>
          <input
            type="search"
            name="q"
            defaultValue={query.q}
            placeholder="Search person or resource"
            aria-label="Search items"
            className="w-56 rounded-md border border-slate-300 px-3 py-1.5 text-sm"
          />
          <button
            type="submit"
            className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
          >
            Apply
          </button>
        </form>
      </div>
      <ReviewTable
        campaignId={campaignId}
        rows={data.rows}
        justification={data.campaign.justification}
        editable={editable}
        actions={{ decide: decideAction, acceptAll: acceptAllRecommendationsAction }}
      />
      <div className="mt-3 flex items-center justify-between text-sm text-slate-600">
        <span data-testid="item-count">
          {data.total} item{data.total === 1 ? "" : "s"} · page {query.page} of {pages}
        </span>
        <span className="flex gap-2">
          {query.page > 1 && (
            <Link
              href={href({ page: query.page - 1 })}
              className="rounded-md px-3 py-1 ring-1 ring-slate-200 hover:bg-slate-50"
            >
              Previous
            </Link>
          )}
          {query.page < pages && (
            <Link
              href={href({ page: query.page + 1 })}
              className="rounded-md px-3 py-1 ring-1 ring-slate-200 hover:bg-slate-50"
            >
              Next
            </Link>
          )}
        </span>
      </div>
    </>
  );
}
