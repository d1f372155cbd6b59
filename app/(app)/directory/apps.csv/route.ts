import type { NextRequest } from "next/server";
import { routeCaller } from "@/lib/auth";
import { csvResponse } from "@/lib/directory/export";
import { listApps, ZListApps, type AppRowDto } from "@/lib/directory/list-apps";
import { appCtx } from "@/lib/db";

export const dynamic = "force-dynamic";

const HEADER = [
  "id",
  "appId",
  "displayName",
  "type",
  "accountEnabled",
  "assignmentRequired",
  "appRoles",
  "users",
  "groups",
] as const satisfies readonly (keyof AppRowDto)[];

/** The filtered app list as CSV. Admins and auditors. */
export async function GET(req: NextRequest) {
  const caller = await routeCaller("admin", "auditor");
  if (caller instanceof Response) return caller;
  const sp = req.nextUrl.searchParams;
  const input = ZListApps.parse({ q: sp.get("q") ?? undefined, filter: sp.get("filter") ?? undefined });
  return csvResponse<AppRowDto>(`recert-apps-${input.filter}`, HEADER, (page) =>
    listApps(appCtx(), { ...input, page }),
  );
}
