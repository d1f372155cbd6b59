import Link from "next/link";
import { UsersTable } from "@/components/data-table/users-table";
import { DirectoryTabs } from "@/components/directory/tabs";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { listUsers, USER_FILTERS, ZListUsers } from "@/lib/directory/list-users";
import { appCtx } from "@/lib/db";

export const metadata = { title: "Directory" };

const FILTER_LABEL = (days: number): Record<(typeof USER_FILTERS)[number], string> => ({
  all: "All",
  members: "Members",
  guests: "Guests",
  disabled: "Disabled",
  inactive: `Inactive > ${days} days`,
  nomfa: "No MFA",
  privileged: "Privileged",
});

export default async function DirectoryPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const caller = await requirePageRole("admin", "auditor");
  const raw = await searchParams;
  const input = ZListUsers.parse({
    q: typeof raw.q === "string" ? raw.q : undefined,
    filter: raw.filter,
    days: raw.days,
    page: raw.page,
    sort: raw.sort,
    dir: raw.dir,
  });
  const { rows, total, pageSize } = await listUsers(appCtx(), input);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const href = (o: Partial<typeof input>) => {
    const p = new URLSearchParams();
    const m = { ...input, ...o };
    if (m.q) p.set("q", m.q);
    if (m.filter !== "all") p.set("filter", m.filter);
    if (m.filter === "inactive" && m.days !== 90) p.set("days", String(m.days));
    if (m.sort !== "displayName") p.set("sort", m.sort);
    if (m.dir !== "asc") p.set("dir", m.dir);
    if (m.page > 1) p.set("page", String(m.page));
    return `/directory${p.size ? `?${p}` : ""}`;
  };
  if (total === 0 && !input.q && input.filter === "all") {
    return (
      <>
        <PageHeader title="Directory" description="Users, guests, groups and apps as of the last complete sync." />
        <EmptyState
          title="The directory is empty"
          action={caller.role === "admin" ? { href: "/settings", label: "Go to Settings" } : undefined}
        >
          Nothing has been synced from Microsoft Graph yet.{" "}
          {caller.role === "admin" ? "Run a sync from Settings." : "Ask an admin to run a sync."}
        </EmptyState>
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="Directory"
        description="Users and guests as of the last complete sync."
        actions={<DirectoryTabs current="users" />}
      />
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <nav aria-label="Filters" className="flex flex-wrap gap-1">
          {USER_FILTERS.map((f) => (
            <Link
              key={f}
              href={href({ filter: f, page: 1 })}
              aria-current={input.filter === f ? "page" : undefined}
              className={`rounded-md px-3 py-1.5 text-sm font-medium ${input.filter === f ? "bg-brand-600 text-white" : "bg-white text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50"}`}
            >
              {FILTER_LABEL(input.days)[f]}
            </Link>
          ))}
        </nav>
        <form action="/directory" className="flex gap-2">
          <a
            href={`/directory/users.csv${href({ page: 1 }).replace("/directory", "")}`}
            className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
            download
          >
            Export CSV
          </a>
          {input.filter !== "all" && <input type="hidden" name="filter" value={input.filter} />}
          {input.filter === "inactive" && (
            <label className="flex items-center gap-1 text-sm text-slate-600">
              days
              <input
                type="number"
                name="days"
                min={1}
                max={3650}
                defaultValue={input.days}
                aria-label="Inactive for more than (days)"
                className="w-20 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
              />
            </label>
          )}
          <input
            type="search"
            name="q"
            defaultValue={input.q}
            placeholder="Search name or UPN"
            aria-label="Search users"
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
      <div className="mb-2 flex gap-2 text-xs text-slate-500">
        Sort:
        {(["displayName", "lastSignInAt", "createdAt"] as const).map((k) => (
          <Link
            key={k}
            href={href({ sort: k, dir: input.sort === k && input.dir === "asc" ? "desc" : "asc", page: 1 })}
            aria-current={input.sort === k ? "true" : undefined}
            className={input.sort === k ? "font-semibold text-brand-700" : "hover:text-slate-800"}
          >
            {{ displayName: "name", lastSignInAt: "last sign-in", createdAt: "created" }[k]}
            {input.sort === k ? (input.dir === "asc" ? " ↑" : " ↓") : ""}
          </Link>
        ))}
      </div>
      <UsersTable rows={rows} />
      <div className="mt-3 flex items-center justify-between text-sm text-slate-600">
        <span data-testid="users-total">
          {total.toLocaleString()} user{total === 1 ? "" : "s"} · page {input.page} of {pages}
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
