import { listCsvRoute } from "@/lib/directory/export";
import { APP_CSV_COLUMNS, listApps, ZListApps } from "@/lib/directory/list-apps";

export const dynamic = "force-dynamic";

/** The filtered app list as CSV. Admins and auditors. */
export const GET = listCsvRoute({ name: "apps", schema: ZListApps, header: APP_CSV_COLUMNS, list: listApps });
