import type { ReactNode } from "react";
import { AppsTable } from "@/components/data-table/apps-table";
import { GroupsTable } from "@/components/data-table/groups-table";
import { APP_FILTER_LABEL, GROUP_FILTER_LABEL } from "@/components/directory/labels";
import { DirectoryTabs } from "@/components/directory/tabs";
import { FilteredList, standardList } from "@/components/ui/list-controls";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { appCtx, type Ctx } from "@/lib/db";
import { APP_FILTERS, listApps, ZListApps } from "@/lib/directory/list-apps";
import { GROUP_FILTERS, listGroups, ZListGroups } from "@/lib/directory/list-groups";
import { type ListPageProps, parseSearch } from "@/lib/input/list-url";

/** One directory list (groups, apps): what differs between them is only this description. */
interface DirectoryListSpec<F extends string, I extends { q: string; filter: F; page: number }, R> {
  kind: "groups" | "apps";
  title: string;
  description: string;
  schema: { shape: Record<string, unknown>; parse: (v: unknown) => I };
  list: (ctx: Ctx, input: I) => Promise<{ rows: R[]; total: number; pageSize: number }>;
  filters: readonly F[];
  labels: Record<F, string>;
  noun: [string, string];
  table: (rows: R[]) => ReactNode;
}

const spec = <F extends string, I extends { q: string; filter: F; page: number }, R>(s: DirectoryListSpec<F, I, R>) =>
  s;

export const GROUPS = spec({
  kind: "groups",
  title: "Groups",
  description: "Groups as of the last complete sync, with direct members and owners.",
  schema: ZListGroups,
  list: listGroups,
  filters: GROUP_FILTERS,
  labels: GROUP_FILTER_LABEL,
  noun: ["group", "groups"],
  table: (rows) => <GroupsTable rows={rows} />,
});

export const APPS = spec({
  kind: "apps",
  title: "Apps",
  description: "Enterprise apps (service principals) and who is assigned to them, as of the last complete sync.",
  schema: ZListApps,
  list: listApps,
  filters: APP_FILTERS,
  labels: APP_FILTER_LABEL,
  noun: ["app", "apps"],
  table: (rows) => <AppsTable rows={rows} />,
});

export async function DirectoryList<F extends string, I extends { q: string; filter: F; page: number }, R>({
  spec: s,
  searchParams,
}: ListPageProps & { spec: DirectoryListSpec<F, I, R> }) {
  await requirePageRole("admin", "auditor");
  const input = await parseSearch(searchParams, s.schema);
  const { rows, total, pageSize } = await s.list(appCtx(), input);
  const noun = s.noun[0].replace(/^./, (c) => c.toUpperCase());
  const list = standardList({
    path: `/directory/${s.kind}`,
    exportPath: `/directory/${s.kind}.csv`,
    state: input,
    defaults: { filter: "all" as F, page: 1 } as Partial<I>,
    filters: { label: `${noun} filters`, keys: s.filters, text: (f) => s.labels[f] },
    search: { placeholder: `Search ${s.kind}`, label: `Search ${s.kind}` },
    pager: { total, pageSize, noun: s.noun, testId: `${s.kind}-total` },
  });
  return (
    <>
      <PageHeader title={s.title} description={s.description} actions={<DirectoryTabs current={s.kind} />} />
      <FilteredList {...list}>{s.table(rows)}</FilteredList>
    </>
  );
}
