import { listCsvRoute } from "@/lib/directory/export";
import { GROUP_CSV_COLUMNS, listGroups, ZListGroups } from "@/lib/directory/list-groups";

export const dynamic = "force-dynamic";

/** The filtered group list as CSV. Admins and auditors. */
export const GET = listCsvRoute({ name: "groups", schema: ZListGroups, header: GROUP_CSV_COLUMNS, list: listGroups });
