import { buttonClass } from "@/components/ui/button";
import { ProgressBar } from "@/components/ui/progress-bar";
import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx, db } from "@/lib/db";
import { env } from "@/lib/env";
import { myInbox } from "@/lib/reviews";

export const metadata = { title: "My reviews" };

export default async function MyReviewsPage() {
  const caller = await requirePageRole();
  const e = env();
  const inbox = await myInbox(appCtx(), caller.id);
  const notes = await db().notification.findMany({
    where: { recipientId: caller.id, tenantId: e.ENTRA_TENANT_ID },
    orderBy: { createdAt: "desc" },
    take: 5,
  });
  return (
    <>
      <PageHeader
        title="My reviews"
        description="Every open campaign with access you are asked to approve or revoke: one inbox, however many groups and apps."
      />
      {inbox.length === 0 ? (
        <EmptyState title="Nothing to review">
          You have no open reviews. When an admin starts a campaign that names you as owner, manager or reviewer, your
          items appear here with their due date.
        </EmptyState>
      ) : (
        <ul className="grid gap-3" data-testid="inbox">
          {inbox.map((c) => {
            const pct = c.total ? Math.round((c.decided / c.total) * 100) : 0;
            const overdue = new Date(c.dueAt) < new Date();
            return (
              <li key={c.campaignId} className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
                <div className="flex flex-wrap items-center justify-between gap-3">
                  <div>
                    <Link
                      href={`/reviews/${c.campaignId}`}
                      className="text-base font-semibold text-brand-700 hover:underline"
                    >
                      {c.name}
                    </Link>
                    <p className="text-sm text-slate-600">
                      {c.decided} of {c.total} decided · due{" "}
                      <time dateTime={c.dueAt}>
                        {new Date(c.dueAt).toLocaleDateString(undefined, { dateStyle: "medium" })}
                      </time>
                      {overdue && (
                        <span className="ml-2 rounded bg-rose-50 px-1.5 py-0.5 text-xs font-semibold text-rose-700 ring-1 ring-rose-200">
                          Overdue
                        </span>
                      )}
                    </p>
                  </div>
                  <Link href={`/reviews/${c.campaignId}`} className={buttonClass("primary")}>
                    {c.decided === c.total ? "Review decisions" : "Continue review"}
                  </Link>
                </div>
                <ProgressBar pct={pct} label={`${c.name} progress`} className="mt-3" />
              </li>
            );
          })}
        </ul>
      )}
      {notes.length > 0 && (
        <section className="mt-8">
          <h2 className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500">Notifications</h2>
          <ul className="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white">
            {notes.map((n) => (
              <li key={n.id} className="px-4 py-2 text-sm">
                <span className="font-medium text-slate-900">{n.subject}</span>{" "}
                <span className="text-slate-600">{n.body}</span>{" "}
                <time className="text-xs text-slate-500" dateTime={n.createdAt.toISOString()}>
                  {n.createdAt.toLocaleString()}
                </time>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
