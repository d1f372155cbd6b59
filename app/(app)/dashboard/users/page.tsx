import { notFound } from "next/navigation";
import { type CellRow, CellTable } from "@/components/data-table/data-table";
import { Badge } from "@/components/ui/badge";
import { ButtonLink, buttonClass } from "@/components/ui/button";
import { Pager } from "@/components/ui/list-controls";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { segmentLabel, segmentUsers, ZSegment } from "@/lib/dashboards/segments";
import { METHOD_LABEL } from "@/lib/dashboards/overview";
import { listUrl, one, type SearchParams } from "@/lib/input/list-url";

export const metadata = { title: "Users behind a figure" };
const PAGE = 100;

const COLUMNS = {
  user: "User",
  type: "Type",
  department: "Department",
  mfa: "MFA",
  methods: "Methods",
  lastSignIn: "Last sign-in",
};

export default async function SegmentPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requirePageRole("admin", "auditor");
  const raw = await searchParams;
  const seg = ZSegment.safeParse(one(raw, "segment"));
  if (!seg.success) notFound();
  const page = Math.max(1, Math.min(100_000, Number(one(raw, "page")) || 1));
  const users = await segmentUsers(appCtx(), seg.data);
  const rows = users.slice((page - 1) * PAGE, page * PAGE);
  const href = listUrl("/dashboard/users", { segment: seg.data, page }, { page: 1 });
  const row = (u: (typeof rows)[number]): CellRow => ({
    key: u.id,
    user: (
      <>
        <div className="font-medium text-slate-900">
          {u.displayName}
          {u.isAdmin && (
            <Badge tone="red" className="ml-1 uppercase">
              admin
            </Badge>
          )}
          {!u.accountEnabled && <span className="ml-1 text-xs text-slate-500">(disabled)</span>}
        </div>
        <div className="text-xs text-slate-500">{u.userPrincipalName}</div>
      </>
    ),
    type: u.userType,
    department: u.department ?? "—",
    mfa: u.isMfaRegistered ? "Registered" : <span className="text-rose-700">Not registered</span>,
    methods: <span className="text-xs">{u.methods.map((m) => METHOD_LABEL[m] ?? m).join(", ") || "—"}</span>,
    lastSignIn: (
      <span className="whitespace-nowrap">
        {u.lastSignInAt ? new Date(u.lastSignInAt).toLocaleDateString() : "Never"}
      </span>
    ),
  });
  return (
    <>
      <PageHeader
        title={segmentLabel(seg.data)}
        description={`${users.length} user${users.length === 1 ? "" : "s"}, admins without MFA first.`}
        actions={
          <>
            <ButtonLink href="/">Dashboard</ButtonLink>
            <a
              href={listUrl("/dashboard/users.csv", { segment: seg.data }, {})()}
              download
              className={buttonClass("secondary")}
            >
              Export CSV
            </a>
          </>
        }
      />
      <CellTable testId="segment-users" empty="Nobody is in this figure." columns={COLUMNS} rows={rows.map(row)} />
      <Pager
        total={users.length}
        page={page}
        pageSize={PAGE}
        noun={["user", "users"]}
        href={(p) => href({ page: p })}
      />
    </>
  );
}
