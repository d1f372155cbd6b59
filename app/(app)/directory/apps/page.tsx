import Link from "next/link";
import { AppsTable } from "@/components/data-table/apps-table";
import { DirectoryTabs } from "@/components/directory/tabs";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { APP_FILTERS, listApps, ZListApps } from "@/lib/directory/list-apps";
import { appCtx } from "@/lib/db";

export const metadata = { title: "Apps" };

const LABEL: Record<(typeof APP_FILTERS)[number], string> = {
  all: "All",
  assigned: "With assignments",
  assignmentRequired: "Assignment required",
  disabled: "Sign-in disabled",
};

export default async function AppsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageRole("admin", "auditor");
  const raw = await searchParams;
  const input = ZListApps.parse({
    q: typeof raw.q === "string" ? raw.q : undefined,
    filter: raw.filter,
    page: raw.page,
  });
  const { rows, total, pageSize } = await listApps(appCtx(), input);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const href = (o: Partial<typeof input>) => {
    const m = { ...input, ...o };
    const p = new URLSearchParams();
    if (m.q) p.set("q", m.q);
    if (m.filter !== "all") p.set("filter", m.filter);
    if (m.page > 1) p.set("page", String(m.page));
    return `/directory/apps${p.size ? `?${p}` : ""}`;
  };
  return (
    <>
      <PageHeader
        title="Apps"
        description="Enterprise apps (service principals) and who is assigned to them, as of the last complete sync."
        actions={<DirectoryTabs current="apps" />}
      />
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <nav aria-label="App filters" className="flex flex-wrap gap-1">
          {APP_FILTERS.map((f) => (
            <Link
              key={f}
              href={href({ filter: f, page: 1 })}
              aria-current={input.filter === f ? "page" : undefined}
              className={`rounded-md px-3 py-1.5 text-sm font-medium ${input.filter === f ? "bg-brand-600 text-white" : "bg-white text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50"}`}
            >
              {LABEL[f]}
            </Link>
          ))}
        </nav>
        <form action="/directory/apps" className="flex gap-2">
          <a
            href={`/directory/apps.csv${href({ page: 1 }).replace("/directory/apps", "")}`}
            className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
            download
          >
            Export CSV
          </a>
          {input.filter !== "all" && <input type="hidden" name="filter" value={input.filter} />}
          <input
            type="search"
            name="q"
            defaultValue={input.q}
            placeholder="Search apps"
            aria-label="Search apps"
            className="w-64 rounded-md border border-slate-300 px-3 py-1.5 text-sm"
          />
          <button
            type="submit"
            className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
          >
            Search
          </button>
        </form>
      </div>
      <AppsTable rows={rows} />
      <div className="mt-3 flex items-center justify-between text-sm text-slate-600">
        <span data-testid="apps-total">
          {total.toLocaleString()} app{total === 1 ? "" : "s"} · page {input.page} of {pages}
        </span>
        <span className="flex gap-2">
          {input.page > 1 && (
            <Link
              href={href({ page: input.page - 1 })}
              className="rounded-md border border-slate-300 bg-white px-3 py-1"
            >
              Previous
            </Link>
          )}
          {input.page < pages && (
            <Link
              href={href({ page: input.page + 1 })}
              className="rounded-md border border-slate-300 bg-white px-3 py-1"
            >
              Next
            </Link>
          )}
        </span>
      </div>
    </>
  );
}
