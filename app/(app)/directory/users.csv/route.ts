import type { NextRequest } from "next/server";
import { routeCaller } from "@/lib/auth";
import { iterateUsers, ZListUsers } from "@/lib/directory/list-users";
import { appCtx } from "@/lib/db";
import { csvLine } from "@/lib/reports/csv";

export const dynamic = "force-dynamic";

const HEADER = [
  "id",
  "displayName",
  "userPrincipalName",
  "mail",
  "userType",
  "accountEnabled",
  "externalUserState",
  "companyName",
  "department",
  "jobTitle",
  "employeeType",
  "createdAt",
  "lastSignInAt",
  "lastSuccessfulSignInAt",
  "managerId",
  "mfaRegistered",
  "roles",
] as const;

/** The filtered user list as CSV, streamed page by page. Admins and auditors. */
export async function GET(req: NextRequest) {
  const caller = await routeCaller("admin", "auditor");
  if (caller instanceof Response) return caller;
  const sp = req.nextUrl.searchParams;
  const input = ZListUsers.parse({
    q: sp.get("q") ?? undefined,
    filter: sp.get("filter") ?? undefined,
    days: sp.get("days") ?? undefined,
    page: 1,
  });
  const ctx = appCtx();
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(`\uFEFF${csvLine([...HEADER])}`));
      for await (const rows of iterateUsers(ctx, input)) {
        controller.enqueue(
          encoder.encode(
            rows.map((r) => csvLine(HEADER.map((h) => (h === "roles" ? r.roles.join("; ") : r[h])))).join(""),
          ),
        );
      }
      controller.close();
    },
  });
  const stamp = new Date().toISOString().slice(0, 10);
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="recert-users-${input.filter}-${stamp}.csv"`,
      "cache-control": "no-store",
    },
  });
}
