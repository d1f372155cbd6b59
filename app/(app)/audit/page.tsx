import { type CellRow, CellTable } from "@/components/data-table/data-table";
import { ButtonLink, buttonClass } from "@/components/ui/button";
import { Pager } from "@/components/ui/list-controls";
import { PageHeader } from "@/components/ui/page-header";
import { AUDIT_PAGE_SIZE, listAudit, verifyEvidenceChain, ZAuditQuery } from "@/lib/audit";
import { signingIdentity } from "@/lib/signing/identity";
import { verifyDecisions } from "@/lib/reviews";
import { requirePageRole } from "@/lib/auth";
import { db } from "@/lib/db";
import { type ListPageProps, listUrl, one, parseSearch } from "@/lib/input/list-url";

export const metadata = { title: "Audit log" };

const COLUMNS = { seq: "#", at: "When (UTC)", actor: "Actor", action: "Action", target: "Target", change: "Change" };

/** The chain against its anchors, and each closed campaign's decisions against the hash its close recorded. */
async function verifyAll() {
  const [chain, decisions] = await Promise.all([
    verifyEvidenceChain(db(), { trustedFingerprint: signingIdentity().fingerprint }),
    verifyDecisions(db()),
  ]);
  const problems = [
    ...chain.problems,
    ...decisions.problems.map((p) => ({ seq: 0, kind: "decisions", message: p.message })),
  ];
  return { ...chain, ok: problems.length === 0, problems };
}

export default async function AuditPage({ searchParams }: ListPageProps) {
  await requirePageRole("admin", "auditor");
  const q = await parseSearch(searchParams, ZAuditQuery);
  const verify = one(await searchParams, "verify") === "1";
  const [{ total, rows, actions }, chain] = await Promise.all([
    listAudit(db(), q),
    verify ? verifyAll() : Promise.resolve(null),
  ]);
  const href = listUrl("/audit", { ...q, verify: undefined as string | undefined }, { page: 1 });
  const input = "rounded-md border border-slate-300 px-2 py-1.5 text-sm";
  const row = (r: (typeof rows)[number]): CellRow => ({
    key: String(r.seq),
    seq: <span className="text-slate-500">{r.seq}</span>,
    at: <span className="whitespace-nowrap">{r.at.toISOString().replace("T", " ").slice(0, 19)}</span>,
    actor: r.actorName ?? r.actorType,
    action: <span className="font-mono text-xs">{r.action}</span>,
    target: (
      <span className="font-mono text-xs">
        {r.targetType}:{r.targetId.slice(0, 13)}
      </span>
    ),
    change: (
      <div className="max-w-xl font-mono text-[11px] text-slate-600">
        {r.before && <div className="truncate">before {r.before}</div>}
        {r.after && <div className="truncate">after {r.after}</div>}
        {r.context && <div className="truncate text-slate-500">{r.context}</div>}
      </div>
    ),
  });
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every action and every write to Entra, hash-chained: editing, deleting, inserting or reordering a row breaks the chain."
        actions={
          <>
            <ButtonLink href={href({ verify: "1" })}>Verify chain</ButtonLink>
            <a
              href={listUrl("/audit/audit.csv", q, { page: 1 })({ page: 1 })}
              download
              className={buttonClass("secondary")}
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
            ? `Chain intact: ${chain.checked} events, head ${chain.head.hash.slice(0, 16)}… (#${chain.head.seq}); it matches ${chain.anchors.checkpoints} signed checkpoint(s) and ${chain.anchors.campaignHeads} campaign head(s).`
            : `Chain broken: ${chain.problems.map((p) => p.message).join("; ")}.`}
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
        <button type="submit" className={buttonClass("secondary")}>
          Filter
        </button>
      </form>
      <CellTable testId="audit" empty="No event matches." columns={COLUMNS} rows={rows.map(row)} />
      <Pager
        total={total}
        page={q.page}
        pageSize={AUDIT_PAGE_SIZE}
        noun={["event", "events"]}
        href={(page) => href({ page })}
        testId="audit-total"
        labels={["Newer", "Older"]}
      />
    </>
  );
}
