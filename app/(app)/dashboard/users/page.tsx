import Link from "next/link";
import { notFound } from "next/navigation";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { segmentLabel, segmentUsers, ZSegment } from "@/lib/dashboards/segments";
import { METHOD_LABEL } from "@/lib/dashboards/overview";

export const metadata = { title: "Users behind a figure" };
const PAGE = 100;

export default async function SegmentPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageRole("admin", "auditor");
  const raw = await searchParams;
  const seg = ZSegment.safeParse(raw.segment);
  if (!seg.success) notFound();
  const page = Math.max(1, Math.min(100_000, Number(raw.page) || 1));
  const users = await segmentUsers(appCtx(), seg.data);
  const rows = users.slice((page - 1) * PAGE, page * PAGE);
  const pages = Math.max(1, Math.ceil(users.length / PAGE));
  const q = (p: number) => `/dashboard/users?segment=${encodeURIComponent(seg.data)}${p > 1 ? `&page=${p}` : ""}`;
  return (
    <>
      <PageHeader
        title={segmentLabel(seg.data)}
        description={`${users.length} user${users.length === 1 ? "" : "s"}, admins without MFA first.`}
        actions={
          <>
            <Link
              href="/"
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
            >
              Dashboard
            </Link>
            <a
              href={`/dashboard/users.csv?segment=${encodeURIComponent(seg.data)}`}
              download
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
            >
              Export CSV
            </a>
          </>
        }
      />
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
        <table className="min-w-full text-sm" data-testid="segment-users">
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-3 py-2 font-medium">User</th>
              <th className="px-3 py-2 font-medium">Type</th>
              <th className="px-3 py-2 font-medium">Department</th>
              <th className="px-3 py-2 font-medium">MFA</th>
              <th className="px-3 py-2 font-medium">Methods</th>
              <th className="px-3 py-2 font-medium">Last sign-in</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((u) => (
              <tr key={u.id}>
                <td className="px-3 py-2">
                  <div className="font-medium text-slate-900">
                    {u.displayName}
                    {u.isAdmin && (
                      <span className="ml-1 rounded bg-rose-50 px-1 text-[10px] font-semibold uppercase text-rose-700 ring-1 ring-rose-200">
                        admin
                      </span>
                    )}
                    {!u.accountEnabled && <span className="ml-1 text-xs text-slate-500">(disabled)</span>}
                  </div>
                  <div className="text-xs text-slate-500">{u.userPrincipalName}</div>
                </td>
                <td className="px-3 py-2">{u.userType}</td>
                <td className="px-3 py-2">{u.department ?? "—"}</td>
                <td className="px-3 py-2">
                  {u.isMfaRegistered ? "Registered" : <span className="text-rose-700">Not registered</span>}
                </td>
                <td className="px-3 py-2 text-xs">{u.methods.map((m) => METHOD_LABEL[m] ?? m).join(", ") || "—"}</td>
                <td className="whitespace-nowrap px-3 py-2">
                  {u.lastSignInAt ? new Date(u.lastSignInAt).toLocaleDateString() : "Never"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="mt-3 flex items-center justify-between text-sm text-slate-600">
        <span>
          Page {page} of {pages}
        </span>
        <span className="flex gap-2">
          {page > 1 && (
            <Link href={q(page - 1)} className="rounded-md px-3 py-1 ring-1 ring-slate-200">
              Previous
            </Link>
          )}
          {page < pages && (
            <Link href={q(page + 1)} className="rounded-md px-3 py-1 ring-1 ring-slate-200">
              Next
            </Link>
          )}
        </span>
      </div>
    </>
  );
}
