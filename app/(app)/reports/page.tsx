import Link from "next/link";
import { CampaignLink } from "@/components/campaigns/campaign-link";
import { type CellRow, CellTable } from "@/components/data-table/data-table";
import { buttonClass } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { listCampaigns } from "@/lib/reviews";
import { PACKAGE_FILE } from "@/lib/reports";

export const metadata = { title: "Reports" };

const FILES = [
  ["report.pdf", "PDF (signed)"],
  ["report.csv", "CSV"],
  ["report.csv.jws", "CSV manifest"],
  ["report.json", "JSON"],
  ["report.json.jws", "JSON manifest"],
] as const;
const COLUMNS = { campaign: "Campaign", status: "Status", items: "Items", downloads: "Downloads" };

export default async function ReportsPage() {
  await requirePageRole("admin", "auditor");
  const campaigns = (await listCampaigns(appCtx())).filter((c) => c.status !== "draft");
  const row = (c: (typeof campaigns)[number]): CellRow => ({
    key: c.id,
    campaign: <CampaignLink id={c.id} name={c.name} />,
    status: <span className="capitalize">{c.status === "active" ? "active (interim report)" : c.status}</span>,
    items: c.itemCount,
    downloads: (
      <span className="flex flex-wrap gap-1">
        {FILES.map(([file, label]) => (
          <a key={file} className={buttonClass("secondary", "sm")} href={`/reports/${c.id}/${file}`} download>
            {label}
          </a>
        ))}
        {c.status === "closed" || c.status === "applied" ? (
          <a
            className={buttonClass("primary", "sm")}
            href={`/reports/${c.id}/${PACKAGE_FILE}`}
            download
            title="The signed reports, the audit-chain excerpt with a signed checkpoint, the certificate and an index for SOC 2 and ISO 27001: one ZIP to check offline"
          >
            Evidence package (ZIP)
          </a>
        ) : null}
      </span>
    ),
  });
  return (
    <>
      <PageHeader
        title="Reports"
        description={
          <>
            Signed evidence of every campaign: PDF, CSV and JSON, and for a closed campaign one evidence package to
            check offline with <code>npm run verify</code>. Check any file on the{" "}
            <Link href="/verify" className="text-brand-700 underline">
              verify page
            </Link>{" "}
            or offline with{" "}
            <a href="/api/report-certificate" className="text-brand-700 underline">
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
        <CellTable testId="reports" empty="No reports yet." columns={COLUMNS} rows={campaigns.map(row)} />
      )}
    </>
  );
}
