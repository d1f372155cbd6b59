import { notFound } from "next/navigation";
import { ProgressBar } from "@/components/ui/progress-bar";
import { ReviewTable } from "@/components/reviews/review-table";
import { ButtonLink } from "@/components/ui/button";
import { FilteredList } from "@/components/ui/list-controls";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { listUrl, parseSearch, type SearchParams } from "@/lib/input/list-url";
import { reviewPage, ZReviewQuery } from "@/lib/reviews";
import { acceptAllRecommendationsAction, decideAction, delegateItemsAction, itemContextAction } from "../actions";

export const metadata = { title: "Review" };

const FILTERS: { key: "state" | "rec" | "kind" | "since"; label: string; options: [string, string][] }[] = [
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
  {
    key: "since",
    label: "Since the last review",
    options: [
      ["all", "All"],
      ["new", "New"],
    ],
  },
];

const SELECT = "max-w-56 rounded-md border border-slate-300 px-2 py-1.5 text-sm";
const SORT_LABEL = {
  resource: "resource",
  principal: "person",
  recommendation: "recommendation",
  decision: "decision",
  lastSignIn: "last sign-in",
};

export default async function ReviewPage({
  params,
  searchParams,
}: {
  params: Promise<{ campaignId: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const caller = await requirePageRole();
  const { campaignId } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(campaignId)) notFound();
  const query = await parseSearch(searchParams, ZReviewQuery);
  const data = await reviewPage(appCtx(), campaignId, caller.id, query);
  // Someone else's campaign (or none) looks the same: not found.
  if (!data) notFound();
  const href = listUrl(`/reviews/${campaignId}`, query, {
    rec: "all",
    kind: "all",
    state: "all",
    since: "all",
    sort: "resource",
    dir: "asc",
    page: 1,
  });
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
        actions={<ButtonLink href="/reviews">All my reviews</ButtonLink>}
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
        <ProgressBar pct={pct} label={"Review progress"} className="mt-2" />
      </section>
      <FilteredList
        filters={FILTERS.map((f) => ({
          label: f.label,
          showLabel: true as const,
          options: f.options.map(([value, label]) => ({
            label,
            href: href({ [f.key]: value, page: 1 }),
            current: query[f.key] === value,
          })),
        }))}
        search={{
          action: `/reviews/${campaignId}`,
          value: query.q,
          placeholder: "Search person or resource",
          label: "Search items",
          submitLabel: "Apply",
          hidden: Object.fromEntries(
            (["rec", "kind", "state", "since"] as const).map((k) => [k, query[k] === "all" ? undefined : query[k]]),
          ),
        }}
        searchExtra={
          <>
            <select name="resource" defaultValue={query.resource} aria-label="Resource" className={SELECT}>
              <option value="">All resources</option>
              {data.resources.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name ?? r.id}
                </option>
              ))}
            </select>
            <select name="sort" defaultValue={query.sort} aria-label="Sort by" className={SELECT}>
              {Object.entries(SORT_LABEL).map(([k, label]) => (
                <option key={k} value={k}>
                  Sort: {label}
                </option>
              ))}
            </select>
            <select name="dir" defaultValue={query.dir} aria-label="Sort direction" className={SELECT}>
              <option value="asc">Ascending</option>
              <option value="desc">Descending</option>
            </select>
          </>
        }
        pager={{
          total: data.total,
          page: query.page,
          pageSize: data.pageSize,
          noun: ["item", "items"],
          href: (page) => href({ page }),
          testId: "item-count",
        }}
      >
        <ReviewTable
          campaignId={campaignId}
          rows={data.rows}
          justification={data.campaign.justification}
          editable={editable}
          actions={{
            decide: decideAction,
            acceptAll: acceptAllRecommendationsAction,
            context: itemContextAction,
            delegate: data.campaign.allowDelegation ? delegateItemsAction : undefined,
          }}
        />
      </FilteredList>
    </>
  );
}
