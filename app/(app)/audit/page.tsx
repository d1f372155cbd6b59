import Link from "next/link";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { db } from "@/lib/db";
import { AUDIT_PAGE_SIZE, listAudit, verifyChain, ZAuditQuery, type AuditQuery } from "@/lib/audit";

export const metadata = { title: "Audit log" };

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageRole("admin", "auditor");
  const raw = await searchParams;
  const one = (k: string) => (typeof raw[k] === "string" ? raw[k] : undefined);
  const q = ZAuditQuery.parse({
    action: one("action"),
    actor: one("actor"),
    target: one("target"),
    from: one("from"),
    to: one("to"),
    page: one("page"),
  });
  const [{ total, rows, actions }, chain] = await Promise.all([
    listAudit(db(), q),
    one("verify") === "1" ? verifyChain(db()) : Promise.resolve(null),
  ]);
  const qs = (o: Partial<AuditQuery & { verify: string }>) => {
    const m = { ...q, ...o };
    const p = new URLSearchParams();
    for (const k of ["action", "actor", "target", "from", "to"] as const) if (m[k]) p.set(k, String(m[k]));
    if (m.page > 1) p.set("page", String(m.page));
    if (o.verify) p.set("verify", o.verify);
    return p.size ? `?${p}` : "";
  };
  const pages = Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE));
  const input = "rounded-md border border-slate-300 px-2 py-1.5 text-sm";
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every action and every write to Entra, hash-chained: editing, deleting, inserting or reordering a row breaks the chain."
        actions={
          <>
            <Link
              href={`/audit${qs({ verify: "1" })}`}
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
            >
              Verify chain
            </Link>
            <a
              href={`/audit/audit.csv${qs({ page: 1 })}`}
              download
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
            >
              Export CSV
            </a>
          </>
        }
      />
      {chain && (
        <p
          role="status"
          data-testid="chain-status"
          className={`mb-4 rounded-md px-3 py-2 text-sm ring-1 ${chain.ok ? "bg-emerald-50 text-emerald-800 ring-emerald-200" : "bg-rose-50 text-rose-800 ring-rose-200"}`}
        >
          {chain.ok
            ? `Chain intact: ${chain.checked} events, head ${chain.head.hash.slice(0, 16)}… (#${chain.head.seq}).`
            : `Chain broken: ${chain.problems.map((p) => `#${p.seq} ${p.kind}`).join(", ")}.`}
        </p>
      )}
      <form action="/audit" className="mb-4 flex flex-wrap gap-2" aria-label="Filter the audit log">
        <select name="action" defaultValue={q.action} aria-label="Action" className={input}>
          <option value="">All actions</option>
          {actions.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
        <input name="actor" defaultValue={q.actor} placeholder="Actor" aria-label="Actor" className={input} />
        <input name="target" defaultValue={q.target} placeholder="Target id" aria-label="Target id" className={input} />
        <input name="from" type="date" defaultValue={q.from} aria-label="From" className={input} />
        <input name="to" type="date" defaultValue={q.to} aria-label="To" className={input} />
        <button
          type="submit"
          className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
        >
          Filter
        </button>
      </form>
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
        <table className="min-w-full text-sm" data-testid="audit">
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-3 py-2 font-medium">#</th>
              <th className="px-3 py-2 font-medium">When (UTC)</th>
              <th className="px-3 py-2 font-medium">Actor</th>
              <th className="px-3 py-2 font-medium">Action</th>
              <th className="px-3 py-2 font-medium">Target</th>
              <th className="px-3 py-2 font-medium">Change</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((r) => (
              <tr key={r.seq}>
                <td className="px-3 py-2 text-slate-500">{r.seq}</td>
                <td className="whitespace-nowrap px-3 py-2">{r.at.toISOString().replace("T", " ").slice(0, 19)}</td>
                <td className="px-3 py-2">{r.actorName ?? r.actorType}</td>
                <td className="px-3 py-2 font-mono text-xs">{r.action}</td>
                <td className="px-3 py-2 font-mono text-xs">
                  {r.targetType}:{r.targetId.slice(0, 13)}
                </td>
                <td className="max-w-xl px-3 py-2 font-mono text-[11px] text-slate-600">
                  {r.before && <div className="truncate">before {r.before}</div>}
                  {r.after && <div className="truncate">after {r.after}</div>}
                  {r.context && <div className="truncate text-slate-400">{r.context}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="mt-3 flex items-center justify-between text-sm text-slate-600">
        <span data-testid="audit-total">
          {total} event{total === 1 ? "" : "s"} · page {q.page} of {pages}
        </span>
        <span className="flex gap-2">
          {q.page > 1 && (
            <Link href={`/audit${qs({ page: q.page - 1 })}`} className="rounded-md px-3 py-1 ring-1 ring-slate-200">
              Newer
            </Link>
          )}
          {q.page < pages && (
            <Link href={`/audit${qs({ page: q.page + 1 })}`} className="rounded-md px-3 py-1 ring-1 ring-slate-200">
              Older
            </Link>
          )}
        </span>
      </div>
    </>
  );
}
