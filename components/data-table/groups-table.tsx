"use client";

import Link from "next/link";
import type { ColumnDef } from "@tanstack/react-table";
import type { GroupRowDto } from "@/lib/directory/list-groups";
import { GROUP_KIND_LABEL } from "@/components/directory/labels";
import { DataTable } from "./data-table";

const columns: ColumnDef<GroupRowDto, unknown>[] = [
  {
    header: "Group",
    accessorKey: "displayName",
    cell: ({ row }) => (
      <Link
        href={`/directory/groups/${row.original.id}`}
        className="font-medium text-slate-900 hover:text-brand-700 hover:underline"
      >
        {row.original.displayName || row.original.id}
      </Link>
    ),
  },
  {
    header: "Kind",
    accessorKey: "kind",
    cell: ({ row }) => (
      <span className="text-slate-600">
        {GROUP_KIND_LABEL[row.original.kind] ?? row.original.kind}
        {row.original.isDynamic && (
          <span className="ml-2 rounded-full bg-sky-50 px-2 py-0.5 text-xs text-sky-800">dynamic</span>
        )}
        {row.original.isAssignableToRole && (
          <span className="ml-2 rounded-full bg-amber-50 px-2 py-0.5 text-xs text-amber-900">role-assignable</span>
        )}
      </span>
    ),
  },
  {
    header: "Members",
    accessorKey: "members",
    cell: ({ row }) => <span className="tabular-nums">{row.original.members}</span>,
  },
  {
    header: "Owners",
    accessorKey: "owners",
    cell: ({ row }) =>
      row.original.owners === 0 ? (
        <span className="rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-800">Ownerless</span>
      ) : (
        <span className="tabular-nums">{row.original.owners}</span>
      ),
  },
];

export function GroupsTable({ rows }: { rows: GroupRowDto[] }) {
  return <DataTable columns={columns} data={rows} empty="No group matches." testId="groups-table" />;
}
