import Link from "next/link";
import { returnedRevocations } from "@/lib/dashboards/returned";
import { redirect } from "next/navigation";
import {
  BucketChart,
  MethodChart,
  MfaSplitChart,
  SegmentLinks,
  TrendChart,
} from "@/components/charts/dashboard-charts";
import { RevokeSanctionButton, SanctionButton } from "@/components/charts/sanction-button";
import { revokeSanctionAction, sanctionExclusionAction } from "./dashboard/actions";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { overview, type Share } from "@/lib/dashboards/overview";

export const metadata = { title: "Dashboard" };

const pct = (n: number, d: number) => (d ? `${Math.round((1000 * n) / d) / 10}%` : "—");

function Tile({
  label,
  value,
  sub,
  href,
  testId,
}: {
  label: string;
  value: string | number;
  sub?: string;
  href?: string;
  testId?: string;
}) {
  const body = (
    <>
      <div className="text-xs uppercase tracking-wide text-slate-500">{label}</div>
      <div className="mt-1 text-2xl font-semibold text-slate-900" data-testid={testId}>
        {value}
      </div>
      {sub && <div className="mt-0.5 text-xs text-slate-500">{sub}</div>}
    </>
  );
  return href ? (
    <Link
      href={href}
      className="block rounded-xl border border-slate-200 bg-white p-4 shadow-sm hover:border-brand-300"
    >
      {body}
    </Link>
  ) : (
    <div className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">{body}</div>
  );
}

function Card({ title, children, note }: { title: string; children: React.ReactNode; note?: string }) {
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm" aria-label={title}>
      <h2 className="text-sm font-semibold text-slate-900">{title}</h2>
      {note && <p className="mb-2 text-xs text-slate-500">{note}</p>}
      {children}
    </section>
  );
}

const split = (key: string, label: string, s: Share) => ({
  key,
  label,
  registered: s.registered,
  notRegistered: s.total - s.registered,
  total: s.total,
});

export default async function DashboardPage() {
  const caller = await requirePageRole();
  // Reviewers have one job here: their reviews.
  if (caller.role === "reviewer") redirect("/reviews");
  const [o, returned] = await Promise.all([overview(appCtx()), returnedRevocations(appCtx())]);
  if (!o.syncRunId) {
    return (
      <>
        <PageHeader
          title="Dashboard"
          description="MFA coverage, conditional-access enforcement, stale access and campaign progress."
        />
        <EmptyState
          title="No directory data yet"
          action={caller.role === "admin" ? { href: "/settings", label: "Connect a tenant" } : undefined}
        >
          {caller.role === "admin"
            ? "Connect your Entra tenant in Settings and run a first sync. Charts of MFA coverage and policy enforcement appear here once the data is in."
            : "An admin has not synced the tenant yet. Once they have, coverage charts and hygiene figures appear here."}
        </EmptyState>
      </>
    );
  }
  const enforced = o.buckets
    .filter((b) => b.bucket === "enforcedAllApps" || b.bucket === "enforcedSomeApps")
    .reduce((n, b) => n + b.users, 0);
  return (
    <>
      <PageHeader
        title="Dashboard"
        description={`MFA coverage, conditional-access enforcement, stale access and campaign progress, as of the sync of ${new Date(o.syncedAt!).toLocaleString()}.`}
      />
      <div className="mb-6 grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6">
        <Tile label="Enabled users" value={o.enabledUsers} testId="tile-enabled" />
        <Tile
          label="MFA registered"
          value={pct(o.mfa.registered, o.mfa.total)}
          sub={`${o.mfa.registered} users`}
          href="/dashboard/users?segment=mfa:all:notRegistered"
          testId="tile-registered"
        />
        <Tile label="MFA capable" value={pct(o.mfa.capable, o.mfa.total)} sub={`${o.mfa.capable} users`} />
        <Tile
          label="Passwordless capable"
          value={pct(o.mfa.passwordless, o.mfa.total)}
          sub={`${o.mfa.passwordless} users`}
        />
        <Tile
          label="Effective MFA (registered and enforced)"
          value={pct(o.buckets.find((b) => b.bucket === "enforcedAllApps")!.users, o.enabledUsers)}
          sub={`${enforced} enforced by a policy`}
          href="/dashboard/users?segment=bucket:enforcedAllApps"
          testId="tile-effective"
        />
        <Tile
          label="Revocations that came back"
          value={returned.campaigns + returned.expiries}
          sub={`${returned.campaigns} from campaigns, ${returned.expiries} from expiries`}
          href="/audit?action=revocation.returned"
          testId="tile-returned"
        />
      </div>
      <div className="mb-6 grid gap-4 lg:grid-cols-2">
        <Card
          title="MFA registration by population"
          note="Enabled users. Click a bar to list its users (admins without MFA first)."
        >
          <MfaSplitChart testId="split-chart" data={o.split.map((s) => split(s.key, s.label, s.share))} />
          <SegmentLinks
            links={o.split.map((s) => ({
              href: `/dashboard/users?segment=mfa:${s.key}:notRegistered`,
              label: `${s.label} without MFA (${s.share.total - s.share.registered})`,
            }))}
          />
        </Card>
        <Card
          title="Conditional-access enforcement"
          note="Each enabled user in one bucket. Report-only and disabled policies, risk-conditioned policies and MFA-OR-other-control grants do not count as enforcing."
        >
          <BucketChart data={o.buckets} />
          <SegmentLinks
            links={o.buckets.map((b) => ({
              href: `/dashboard/users?segment=bucket:${b.bucket}`,
              label: `${b.label} (${b.users})`,
            }))}
          />
        </Card>
        <Card title="Registered methods" note="Enabled users with each method registered.">
          <MethodChart data={o.methods.slice(0, 10)} />
        </Card>
        <Card title="Departments" note="MFA registration of enabled users, largest departments.">
          <MfaSplitChart
            testId="dept-chart"
            data={o.departments.map((d) => split(`dept=${d.department}`, d.department, d.share))}
          />
        </Card>
        <Card title="Trend" note="Share of enabled users registered for MFA at each sync.">
          <TrendChart data={o.trend} />
        </Card>
        <Card title="Hygiene">
          <ul className="divide-y divide-slate-100 text-sm" data-testid="hygiene">
            {o.hygiene.map((h) => (
              <li key={h.key} className="flex items-center justify-between py-1.5">
                <Link href={h.href} className="text-brand-700 hover:underline">
                  {h.label}
                </Link>
                <span className="font-semibold text-slate-900" data-testid={`hygiene-${h.key}`}>
                  {h.value}
                </span>
              </li>
            ))}
          </ul>
        </Card>
      </div>
      <Card title="Conditional-access policies">
        <ul className="divide-y divide-slate-100 text-sm" data-testid="policies">
          {o.policies.map((p) => (
            <li key={p.id} className="py-2">
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-medium text-slate-900">{p.name}</span>
                <span
                  className={`rounded px-1.5 py-0.5 text-xs ring-1 ${p.state === "enabled" ? "bg-emerald-50 text-emerald-700 ring-emerald-200" : "bg-slate-100 text-slate-600 ring-slate-200"}`}
                >
                  {p.state === "enabledForReportingButNotEnforced" ? "report-only (not counted)" : p.state}
                </span>
                {p.countsAsEnforcing && (
                  <span className="rounded bg-sky-50 px-1.5 py-0.5 text-xs text-sky-700 ring-1 ring-sky-200">
                    enforces MFA
                  </span>
                )}
              </div>
              <p className="text-slate-600">{p.description}</p>
              {p.exclusions.length > 0 && (
                <ul className="mt-1 flex flex-wrap gap-2 text-xs">
                  {p.exclusions.map((x) => (
                    <li
                      key={x.userId}
                      className={`rounded px-1.5 py-0.5 ring-1 ${x.sanctioned ? "bg-slate-50 ring-slate-200" : "bg-amber-50 text-amber-900 ring-amber-300"}`}
                    >
                      Excluded: {x.name}
                      {x.viaGroup ? ` (via ${x.viaGroup})` : ""}{" "}
                      {x.sanctioned ? (
                        <>
                          (sanctioned)
                          {caller.role === "admin" && x.sanctionId && (
                            <RevokeSanctionButton
                              sanctionId={x.sanctionId}
                              name={x.name}
                              revoke={revokeSanctionAction}
                            />
                          )}
                        </>
                      ) : caller.role === "admin" ? (
                        <SanctionButton
                          userId={x.userId}
                          policyId={p.id}
                          name={x.name}
                          sanction={sanctionExclusionAction}
                        />
                      ) : (
                        "(not sanctioned)"
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      </Card>
      <div className="mt-6">
        <Card title="Open campaigns">
          {o.campaigns.length === 0 ? (
            <p className="text-sm text-slate-500">No campaign is running.</p>
          ) : (
            <ul className="divide-y divide-slate-100 text-sm" data-testid="open-campaigns">
              {o.campaigns.map((c) => (
                <li key={c.id} className="flex flex-wrap items-center justify-between gap-2 py-1.5">
                  <Link href={`/campaigns/${c.id}`} className="text-brand-700 hover:underline">
                    {c.name}
                  </Link>
                  <span className="text-slate-600">
                    {c.decided}/{c.items} decided · ends {new Date(c.endAt).toLocaleDateString()}
                    {c.overdueReviewers > 0 && (
                      <span className="ml-2 text-rose-700">{c.overdueReviewers} reviewer(s) overdue</span>
                    )}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}
