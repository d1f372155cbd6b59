"use client";

import Link from "next/link";
import type { ColumnDef } from "@tanstack/react-table";
import type { UserRowDto } from "@/lib/directory/list-users";
import { DataTable } from "./data-table";

const columns: ColumnDef<UserRowDto, unknown>[] = [
  {
    header: "User",
    accessorKey: "displayName",
    cell: ({ row }) => (
      <div>
        <Link
          href={`/directory/users/${row.original.id}`}
          className="font-medium text-slate-900 hover:text-brand-700 hover:underline"
        >
          {row.original.displayName || row.original.userPrincipalName}
        </Link>
        <div className="text-xs text-slate-500">{row.original.userPrincipalName}</div>
      </div>
    ),
  },
  {
    header: "Type",
    accessorKey: "userType",
    cell: ({ row }) =>
      row.original.userType === "Guest" ? (
        <span className="rounded-full bg-violet-50 px-2 py-0.5 text-xs font-medium text-violet-800">
          Guest{row.original.externalUserState === "PendingAcceptance" ? " · pending" : ""}
        </span>
      ) : (
        <span className="text-slate-600">Member</span>
      ),
  },
  {
    header: "Department / company",
    cell: ({ row }) => (
      <span className="text-slate-600">{row.original.department ?? row.original.companyName ?? "–"}</span>
    ),
  },
  {
    header: "Status",
    accessorKey: "accountEnabled",
    cell: ({ row }) =>
      row.original.accountEnabled ? (
        <span className="text-emerald-700">Enabled</span>
      ) : (
        <span className="rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-800">Disabled</span>
      ),
  },
  {
    header: "MFA",
    accessorKey: "mfaRegistered",
    cell: ({ row }) =>
      row.original.mfaRegistered ? (
        <span className="text-emerald-700">Registered</span>
      ) : row.original.mfaRegistered === false ? (
        <span className="rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-900">None</span>
      ) : (
        <span className="text-slate-400">–</span>
      ),
  },
  {
    header: "Roles",
    accessorKey: "roles",
    cell: ({ row }) =>
      row.original.roles.length ? (
        <span className="text-xs text-slate-700" title={row.original.roles.join(", ")}>
          {row.original.roles.slice(0, 2).join(", ")}
          {row.original.roles.length > 2 ? ` +${row.original.roles.length - 2}` : ""}
        </span>
      ) : (
        <span className="text-slate-400">–</span>
      ),
  },
  {
    header: "Last sign-in",
    accessorKey: "lastSignInAt",
    cell: ({ row }) => (
      <span className="tabular-nums text-slate-600">
        {row.original.lastSignInAt ? new Date(row.original.lastSignInAt).toLocaleDateString() : "Never"}
      </span>
    ),
  },
];

export function UsersTable({ rows }: { rows: UserRowDto[] }) {
  return <DataTable columns={columns} data={rows} empty="No user matches." testId="users-table" />;
}
