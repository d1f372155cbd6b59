import type { NextRequest } from "next/server";
import { routeCaller } from "@/lib/auth";
import { csvResponse } from "@/lib/directory/export";
import { listGroups, ZListGroups, type GroupRowDto } from "@/lib/directory/list-groups";
import { appCtx } from "@/lib/db";

export const dynamic = "force-dynamic";

const HEADER = [
  "id",
  "displayName",
  "kind",
  "isAssignableToRole",
  "isDynamic",
  "members",
  "owners",
] as const satisfies readonly (keyof GroupRowDto)[];

/** The filtered group list as CSV. Admins and auditors. */
export async function GET(req: NextRequest) {
  const caller = await routeCaller("admin", "auditor");
  if (caller instanceof Response) return caller;
  const sp = req.nextUrl.searchParams;
  const input = ZListGroups.parse({ q: sp.get("q") ?? undefined, filter: sp.get("filter") ?? undefined });
  return csvResponse<GroupRowDto>(`recert-groups-${input.filter}`, HEADER, (page) =>
    listGroups(appCtx(), { ...input, page }),
  );
}
