import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { listCampaigns } from "@/lib/reviews";

export const metadata = { title: "Reports" };

const link = "rounded-md px-2 py-1 text-xs font-medium ring-1 ring-slate-300 hover:bg-slate-50";

export default async function ReportsPage() {
  await requirePageRole("admin", "auditor");
  const campaigns = (await listCampaigns(appCtx())).filter((c) => c.status !== "draft");
  return (
    <>
      <PageHeader
        title="Reports"
        description={
          <>
            Signed evidence of every campaign: PDF, CSV and JSON. Check any file on the{" "}
            <Link href="/verify" className="text-brand-700 hover:underline">
              verify page
            </Link>{" "}
            or offline with{" "}
            <a href="/api/report-certificate" className="text-brand-700 hover:underline">
              the signing certificate
            </a>
            .
          </>
        }
      />
      {campaigns.length === 0 ? (
        <EmptyState title="No reports yet">
          Reports appear here once a campaign starts (interim) and closes (final). Each one is signed and can be
          verified offline.
        </EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
          <table className="min-w-full text-sm" data-testid="reports">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-4 py-2 font-medium">Campaign</th>
                <th className="px-4 py-2 font-medium">Status</th>
                <th className="px-4 py-2 font-medium">Items</th>
                <th className="px-4 py-2 font-medium">Downloads</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {campaigns.map((c) => (
                <tr key={c.id}>
                  <td className="px-4 py-2">
                    <Link href={`/campaigns/${c.id}`} className="font-medium text-brand-700 hover:underline">
                      {c.name}
                    </Link>
                  </td>
                  <td className="px-4 py-2 capitalize text-slate-700">
                    {c.status === "active" ? "active (interim report)" : c.status}
                  </td>
                  <td className="px-4 py-2 text-slate-700">{c.itemCount}</td>
                  <td className="px-4 py-2">
                    <span className="flex flex-wrap gap-1">
                      <a className={link} href={`/reports/${c.id}/report.pdf`} download>
                        PDF (signed)
                      </a>
                      <a className={link} href={`/reports/${c.id}/report.csv`} download>
                        CSV
                      </a>
                      <a className={link} href={`/reports/${c.id}/report.csv.jws`} download>
                        CSV manifest
                      </a>
                      <a className={link} href={`/reports/${c.id}/report.json`} download>
                        JSON
                      </a>
                      <a className={link} href={`/reports/${c.id}/report.json.jws`} download>
                        JSON manifest
                      </a>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
