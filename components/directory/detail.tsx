import Link from "next/link";
import type { ReactNode } from "react";

/** A titled card; `count` shows next to the title. */
export function Card({
  title,
  count,
  children,
  testId,
}: {
  title: string;
  count?: number;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section className="rounded-xl border border-slate-200 bg-white shadow-sm" data-testid={testId}>
      <h2 className="border-b border-slate-200 px-5 py-3 text-sm font-semibold text-slate-900">
        {title}
        {count !== undefined && <span className="ml-2 font-normal text-slate-500">{count.toLocaleString()}</span>}
      </h2>
      {children}
    </section>
  );
}

export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="divide-y divide-slate-100">
      {rows.map(([k, v]) => (
        <div key={k} className="grid grid-cols-3 gap-4 px-5 py-2 text-sm">
          <dt className="text-slate-500">{k}</dt>
          <dd className="col-span-2 text-slate-900">{v ?? "–"}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A list of linked names with a right-hand note ("direct", "via …", a role, a scope). */
export function LinkList({
  items,
  empty,
  href,
}: {
  items: { id: string; name: string; note?: string; sub?: string }[];
  empty: string;
  href?: (id: string) => string | null;
}) {
  if (items.length === 0) return <p className="px-5 py-4 text-sm text-slate-500">{empty}</p>;
  return (
    <ul className="divide-y divide-slate-100">
      {items.map((i, n) => {
        const to = href?.(i.id);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: the same object can be listed twice (by two paths); id and position together are unique.
          <li key={`${i.id}-${n}`} className="flex items-center justify-between gap-4 px-5 py-2 text-sm">
            <span>
              {to ? (
                <Link href={to} className="font-medium text-slate-900 hover:text-brand-700 hover:underline">
                  {i.name}
                </Link>
              ) : (
                <span className="font-medium text-slate-900">{i.name}</span>
              )}
              {i.sub && <span className="ml-2 text-xs text-slate-500">{i.sub}</span>}
            </span>
            {i.note && <span className="text-right text-xs text-slate-500">{i.note}</span>}
          </li>
        );
      })}
    </ul>
  );
}

/** "No", or "Yes: DOMAIN\\sam" for an object Entra Connect syncs from AD (its changes are made in AD). */
export function onPremisesLabel(o: {
  onPremisesSyncEnabled: boolean;
  onPremisesDomainName: string | null;
  onPremisesSamAccountName: string | null;
}): string {
  if (!o.onPremisesSyncEnabled) return "No";
  const name = [o.onPremisesDomainName, o.onPremisesSamAccountName].filter(Boolean).join("\\");
  return `Yes${name ? `: ${name}` : ""} (changed in Active Directory)`;
}

export const when = (d: Date | string | null | undefined) =>
  d ? `${new Date(d).toISOString().replace("T", " ").slice(0, 16)} UTC` : "Never";
