import { UsersTable } from "@/components/data-table/users-table";
import { DirectoryTabs } from "@/components/directory/tabs";
import { EmptyState } from "@/components/ui/empty-state";
import { FilteredList, SortBar, standardList } from "@/components/ui/list-controls";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { listUsers, USER_FILTERS, ZListUsers } from "@/lib/directory/list-users";
import { type ListPageProps, listUrl, parseSearch } from "@/lib/input/list-url";

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
const SORTS = ["displayName", "lastSignInAt", "createdAt"] as const;
const SORT_LABEL = { displayName: "name", lastSignInAt: "last sign-in", createdAt: "created" } as const;

function DaysField({ days }: { days: number }) {
  return (
    <label className="flex items-center gap-1 text-sm text-slate-600">
      days
      <input
        type="number"
        name="days"
        min={1}
        max={3650}
        defaultValue={days}
        aria-label="Inactive for more than (days)"
        className="w-20 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
      />
    </label>
  );
}

export default async function DirectoryPage({ searchParams }: ListPageProps) {
  const caller = await requirePageRole("admin", "auditor");
  const input = await parseSearch(searchParams, ZListUsers);
  const { rows, total, pageSize } = await listUsers(appCtx(), input);
  // "days" only means something for the inactive filter.
  const state = { ...input, days: input.filter === "inactive" ? input.days : 90 };
  const defaults = { filter: "all", days: 90, sort: "displayName", dir: "asc", page: 1 } as const;
  const href = listUrl("/directory", state, defaults);
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
      <FilteredList
        {...standardList({
          path: "/directory",
          exportPath: "/directory/users.csv",
          state,
          defaults,
          filters: { label: "Filters", keys: USER_FILTERS, text: (f) => FILTER_LABEL(input.days)[f] },
          search: { placeholder: "Search name or UPN", label: "Search users" },
          pager: { total, pageSize, noun: ["user", "users"], testId: "users-total" },
        })}
        searchExtra={input.filter === "inactive" && <DaysField days={input.days} />}
        between={
          <SortBar
            keys={SORTS}
            labels={SORT_LABEL}
            sort={input.sort}
            dir={input.dir}
            href={(sort, dir) => href({ sort, dir, page: 1 })}
          />
        }
      >
        <UsersTable rows={rows} />
      </FilteredList>
    </>
  );
}
