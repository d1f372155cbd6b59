import { routeCaller } from "@/lib/auth";
import { appCtx } from "@/lib/db";
import { segmentUsers, ZSegment } from "@/lib/dashboards/segments";
import { csvLine } from "@/lib/reports/csv";

/** The users behind a dashboard figure, as CSV. Admins and auditors. */
export async function GET(req: Request) {
  const caller = await routeCaller("admin", "auditor");
  if (caller instanceof Response) return caller;
  const seg = ZSegment.safeParse(new URL(req.url).searchParams.get("segment"));
  if (!seg.success) return Response.json({ error: "Unknown segment." }, { status: 400 });
  const users = await segmentUsers(appCtx(), seg.data);
  const body = [
    csvLine([
      "Id",
      "Name",
      "UPN",
      "Type",
      "Department",
      "Enabled",
      "Admin",
      "MFA registered",
      "Methods",
      "Last sign-in",
    ]),
  ];
  for (const u of users)
    body.push(
      csvLine([
        u.id,
        u.displayName,
        u.userPrincipalName,
        u.userType,
        u.department,
        u.accountEnabled,
        u.isAdmin,
        u.isMfaRegistered,
        u.methods.join("; "),
        u.lastSignInAt,
      ]),
    );
  return new Response(body.join(""), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="recert-segment.csv"',
      "cache-control": "no-store",
    },
  });
}
