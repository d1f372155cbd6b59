import Link from "next/link";
import type { ReactNode } from "react";
import { filterOptions, listUrl } from "@/lib/input/list-url";
import { buttonClass } from "./button";

/**
 * The pieces every list page is made of, server-rendered: filter tabs, a search form, a sort bar and a
 * pager. Their state lives in the URL (see `listUrl` in lib/input), so a list can be bookmarked, shared and
 * reloaded, and works without JavaScript.
 */

export interface FilterOption {
  label: ReactNode;
  href: string;
  current: boolean;
}

export function FilterTabs({
  label,
  options,
  showLabel = false,
}: {
  label: string;
  options: FilterOption[];
  showLabel?: boolean;
}) {
  return (
    <nav aria-label={label} className="flex flex-wrap items-center gap-1">
      {showLabel && <span className="mr-1 text-xs font-medium uppercase tracking-wide text-slate-500">{label}</span>}
      {options.map((o) => (
        <Link
          key={o.href}
          href={o.href}
          aria-current={o.current ? "page" : undefined}
          className={`rounded-md px-3 py-1.5 text-sm font-medium ${o.current ? "bg-brand-600 text-white" : "bg-white text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50"}`}
        >
          {o.label}
        </Link>
      ))}
    </nav>
  );
}

/** A GET form that keeps the list's other state in hidden fields; `children` go before the search box. */
export function SearchBox({
  action,
  value,
  placeholder,
  label,
  hidden = {},
  name = "q",
  submitLabel = "Search",
  children,
}: {
  action: string;
  value: string;
  placeholder: string;
  label: string;
  hidden?: Record<string, string | undefined>;
  name?: string;
  submitLabel?: string;
  children?: ReactNode;
}) {
  return (
    <form action={action} className="flex flex-wrap gap-2">
      {Object.entries(hidden).map(([k, v]) =>
        v === undefined ? null : <input key={k} type="hidden" name={k} value={v} />,
      )}
      {children}
      <input
        type="search"
        name={name}
        defaultValue={value}
        placeholder={placeholder}
        aria-label={label}
        className="w-64 max-w-full rounded-md border border-slate-300 px-3 py-1.5 text-sm"
      />
      <button type="submit" className={buttonClass("secondary")}>
        {submitLabel}
      </button>
    </form>
  );
}

/** Filters on the left, search and exports on the right. */
export function ListToolbar({ children }: { children: ReactNode }) {
  return <div className="mb-4 flex flex-wrap items-center justify-between gap-3">{children}</div>;
}

/** A download of the list as it is filtered (the same query on the export route). */
export function ExportLink({ href, label = "Export CSV" }: { href: string; label?: string }) {
  return (
    <a href={href} className={buttonClass("secondary")} download>
      {label}
    </a>
  );
}

export function SortBar<K extends string>({
  keys,
  labels,
  sort,
  dir,
  href,
}: {
  keys: readonly K[];
  labels: Record<K, string>;
  sort: K;
  dir: "asc" | "desc";
  href: (sort: K, dir: "asc" | "desc") => string;
}) {
  return (
    <div className="mb-2 flex gap-2 text-xs text-slate-500">
      Sort:
      {keys.map((k) => (
        <Link
          key={k}
          href={href(k, sort === k && dir === "asc" ? "desc" : "asc")}
          aria-current={sort === k ? "true" : undefined}
          className={sort === k ? "font-semibold text-brand-700" : "hover:text-slate-800"}
        >
          {labels[k]}
          {sort === k ? (dir === "asc" ? " ↑" : " ↓") : ""}
        </Link>
      ))}
    </div>
  );
}

/** "1,234 users · page 2 of 25" with Previous / Next. */
export function Pager({
  total,
  page,
  pageSize,
  noun,
  href,
  testId,
  labels = ["Previous", "Next"],
}: {
  total: number;
  page: number;
  pageSize: number;
  noun: [string, string];
  href: (page: number) => string;
  /** The words for the page before and after (a log reads "Newer" / "Older"). */
  labels?: [string, string];
  testId?: string;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <div className="mt-3 flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600">
      <span data-testid={testId}>
        {total.toLocaleString()} {total === 1 ? noun[0] : noun[1]} · page {page} of {pages}
      </span>
      <span className="flex gap-2">
        {page > 1 && (
          <Link href={href(page - 1)} className={buttonClass("secondary")} rel="prev">
            {labels[0]}
          </Link>
        )}
        {page < pages && (
          <Link href={href(page + 1)} className={buttonClass("secondary")} rel="next">
            {labels[1]}
          </Link>
        )}
      </span>
    </div>
  );
}

/**
 * A whole list: filter tabs, the search form (with an export link and extra fields), anything between
 * (a sort bar), the table, and the pager.
 */
export function FilteredList({
  filters,
  search,
  exportHref,
  searchExtra,
  between,
  pager,
  children,
}: {
  filters?: { label: string; options: FilterOption[] } | { label: string; options: FilterOption[]; showLabel: true }[];
  search?: Omit<Parameters<typeof SearchBox>[0], "children">;
  exportHref?: string;
  searchExtra?: ReactNode;
  between?: ReactNode;
  pager?: Parameters<typeof Pager>[0];
  children: ReactNode;
}) {
  return (
    <>
      {(filters || search) && (
        <ListToolbar>
          {Array.isArray(filters) ? (
            <div className="flex flex-wrap items-end gap-4">
              {filters.map((f) => (
                <FilterTabs key={f.label} {...f} />
              ))}
            </div>
          ) : filters ? (
            <FilterTabs {...filters} />
          ) : (
            <span />
          )}
          {search && (
            <SearchBox {...search}>
              {exportHref && <ExportLink href={exportHref} />}
              {searchExtra}
            </SearchBox>
          )}
        </ListToolbar>
      )}
      {between}
      {children}
      {pager && <Pager {...pager} />}
    </>
  );
}

/**
 * The props of a standard filtered list (filter tabs over one `filter` key, a search box, a CSV export of the
 * same query, a pager) from its parsed state: list pages differ only in these few words.
 */
export function standardList<F extends string, S extends { q: string; filter: F; page: number }>(o: {
  path: string;
  exportPath?: string;
  state: S;
  defaults: Partial<S>;
  filters: { label: string; keys: readonly F[]; text: (f: F) => string };
  search: { placeholder: string; label: string };
  pager: { total: number; pageSize: number; noun: [string, string]; testId: string };
}): Omit<Parameters<typeof FilteredList>[0], "children"> {
  const href = listUrl(o.path, o.state, o.defaults);
  const filter = o.state.filter === o.defaults.filter ? undefined : o.state.filter;
  return {
    filters: {
      label: o.filters.label,
      options: filterOptions(o.filters.keys, o.filters.text, o.state.filter, (c) => href(c as unknown as Partial<S>)),
    },
    search: { action: o.path, value: o.state.q, ...o.search, hidden: { filter } },
    exportHref: o.exportPath ? listUrl(o.exportPath, o.state, o.defaults)({ page: 1 } as Partial<S>) : undefined,
    pager: { ...o.pager, page: o.state.page, href: (page) => href({ page } as Partial<S>) },
  };
}
