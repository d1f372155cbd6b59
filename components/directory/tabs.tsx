import Link from "next/link";

const TABS = [
  { key: "users", href: "/directory", label: "Users" },
  { key: "groups", href: "/directory/groups", label: "Groups" },
  { key: "apps", href: "/directory/apps", label: "Apps" },
] as const;

/** Users · Groups · Apps, the current one marked. */
export function DirectoryTabs({ current }: { current: (typeof TABS)[number]["key"] }) {
  return (
    <nav aria-label="Directory" className="flex gap-1">
      {TABS.map((t) => (
        <Link
          key={t.key}
          href={t.href}
          aria-current={t.key === current ? "page" : undefined}
          className={`rounded-md px-3 py-1.5 text-sm font-medium ${t.key === current ? "bg-slate-900 text-white" : "border border-slate-300 bg-white text-slate-700 hover:bg-slate-50"}`}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
