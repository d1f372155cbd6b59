import { routeCaller } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { listGuests, ZGuestQuery } from "@/lib/guests";
import { csvLine } from "@/lib/reports/csv";

/** The filtered guest inventory as CSV (formula injection neutralised). Admins and auditors. */
export async function GET(req: Request) {
  const caller = await routeCaller("admin", "auditor");
  if (caller instanceof Response) return caller;
  const u = new URL(req.url);
  const q = ZGuestQuery.parse({
    q: u.searchParams.get("q") ?? undefined,
    filter: u.searchParams.get("filter") ?? undefined,
    company: u.searchParams.get("company") ?? undefined,
  });
  const { rows } = await listGuests(appCtx(), q, { all: true });
  const body = [
    csvLine([
      "Id",
      "Name",
      "Mail",
      "Company",
      "Employee type",
      "Sponsors",
      "Invitation",
      "Enabled",
      "Invited",
      "Last sign-in",
      "Groups",
      "Apps",
      "Roles",
      "Access ends",
    ]),
  ];
  for (const r of rows)
    body.push(
      csvLine([
        r.id,
        r.displayName,
        r.mail,
        r.companyName,
        r.employeeType,
        r.sponsors.join("; "),
        r.state,
        r.accountEnabled,
        r.createdAt,
        r.lastSignInAt,
        r.groups,
        r.apps,
        r.roles,
        r.expiresAt,
      ]),
    );
  return new Response(body.join(""), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="recert-guests.csv"',
      "cache-control": "no-store",
    },
  });
}
