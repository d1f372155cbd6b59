"use client";

import type { ColumnDef } from "@tanstack/react-table";
import type { AppRowDto } from "@/lib/directory/list-apps";
import { DataTable } from "./data-table";

const columns: ColumnDef<AppRowDto, unknown>[] = [
  {
    header: "App",
    accessorKey: "displayName",
    cell: ({ row }) => (
      <div>
        <div className="font-medium text-slate-900">{row.original.displayName}</div>
        <div className="font-mono text-xs text-slate-500">{row.original.appId ?? row.original.id}</div>
      </div>
    ),
  },
  {
    header: "Type",
    accessorKey: "type",
    cell: ({ row }) => <span className="text-slate-600">{row.original.type ?? "–"}</span>,
  },
  {
    header: "Sign-in",
    accessorKey: "accountEnabled",
    cell: ({ row }) =>
      row.original.accountEnabled ? (
        <span className="text-emerald-700">Enabled</span>
      ) : (
        <span className="rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-800">Disabled</span>
      ),
  },
  {
    header: "Assignment required",
    accessorKey: "assignmentRequired",
    cell: ({ row }) => <span className="text-slate-600">{row.original.assignmentRequired ? "Yes" : "No"}</span>,
  },
  {
    header: "App roles",
    accessorKey: "appRoles",
    cell: ({ row }) => <span className="tabular-nums">{row.original.appRoles}</span>,
  },
  {
    header: "Users",
    accessorKey: "users",
    cell: ({ row }) => <span className="tabular-nums">{row.original.users}</span>,
  },
  {
    header: "Groups",
    accessorKey: "groups",
    cell: ({ row }) => <span className="tabular-nums">{row.original.groups}</span>,
  },
];

export function AppsTable({ rows }: { rows: AppRowDto[] }) {
  return <DataTable columns={columns} data={rows} empty="No app matches." testId="apps-table" />;
}
