import Link from "next/link";
import { GroupsTable } from "@/components/data-table/groups-table";
import { DirectoryTabs } from "@/components/directory/tabs";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { GROUP_FILTERS, listGroups, ZListGroups } from "@/lib/directory/list-groups";
import { appCtx } from "@/lib/db";

export const metadata = { title: "Groups" };

const LABEL: Record<(typeof GROUP_FILTERS)[number], string> = {
  all: "All",
  security: "Security",
  m365: "Microsoft 365",
  roleAssignable: "Role-assignable",
  dynamic: "Dynamic",
  ownerless: "Ownerless",
};

export default async function GroupsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageRole("admin", "auditor");
  const raw = await searchParams;
  const input = ZListGroups.parse({
    q: typeof raw.q === "string" ? raw.q : undefined,
    filter: raw.filter,
    page: raw.page,
  });
  const { rows, total, pageSize } = await listGroups(appCtx(), input);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const href = (o: Partial<typeof input>) => {
    const m = { ...input, ...o };
    const p = new URLSearchParams();
    if (m.q) p.set("q", m.q);
    if (m.filter !== "all") p.set("filter", m.filter);
    if (m.page > 1) p.set("page", String(m.page));
    return `/directory/groups${p.size ? `?${p}` : ""}`;
  };
  return (
    <>
      <PageHeader
        title="Groups"
        description="Groups as of the last complete sync, with direct members and owners."
        actions={<DirectoryTabs current="groups" />}
      />
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <nav aria-label="Group filters" className="flex flex-wrap gap-1">
          {GROUP_FILTERS.map((f) => (
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
        <form action="/directory/groups" className="flex gap-2">
          <a
            href={`/directory/groups.csv${href({ page: 1 }).replace("/directory/groups", "")}`}
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
            placeholder="Search groups"
            aria-label="Search groups"
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
      <GroupsTable rows={rows} />
      <div className="mt-3 flex items-center justify-between text-sm text-slate-600">
        <span data-testid="groups-total">
          {total.toLocaleString()} group{total === 1 ? "" : "s"} · page {input.page} of {pages}
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
