"use client";

import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type ColumnDef,
  type OnChangeFn,
  type RowSelectionState,
  type Row,
  type Table,
} from "@tanstack/react-table";
import { type HTMLAttributes, type ReactNode, type Ref, useMemo } from "react";

/**
 * Renders a TanStack table instance the way every list looks. Tables that need selection or row focus
 * (review items, guests) build their own instance and pass it here.
 */
export function TableView<T>({
  table,
  empty,
  testId,
  rowProps,
  tableRef,
  cards = false,
}: {
  table: Table<T>;
  empty: string;
  testId?: string;
  rowProps?: (row: Row<T>, index: number) => HTMLAttributes<HTMLTableRowElement> & Record<string, unknown>;
  tableRef?: Ref<HTMLTableElement>;
  /**
   * Below the md breakpoint (a phone), each row is a card and each cell a line labelled with its column's header:
   * nothing scrolls sideways and every button stays on screen (#18).
   */
  cards?: boolean;
}) {
  const columns = table.getAllLeafColumns().length;
  const c = (always: string, phone: string) => (cards ? `${always} ${phone}` : always);
  return (
    // A region that may scroll sideways must be reachable by keyboard (WCAG 2.1.1; axe scrollable-region-focusable).
    <section
      // biome-ignore lint/a11y/noNoninteractiveTabindex: the focus is what lets keyboard users scroll it
      tabIndex={0}
      aria-label={testId ? `${testId.replace(/-/g, " ")} table` : "Table"}
      className={c(
        "overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm",
        "max-md:border-0 max-md:bg-transparent max-md:shadow-none",
      )}
    >
      <table ref={tableRef} className={c("min-w-full text-sm", "max-md:block")} data-testid={testId}>
        <thead className={c("bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500", "max-md:hidden")}>
          {table.getHeaderGroups().map((hg) => (
            <tr key={hg.id}>
              {hg.headers.map((h) => (
                <th key={h.id} className="px-3 py-2 font-medium">
                  {h.isPlaceholder ? null : flexRender(h.column.columnDef.header, h.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody className={c("divide-y divide-slate-100", "max-md:block max-md:space-y-2 max-md:divide-y-0")}>
          {table.getRowModel().rows.length === 0 ? (
            <tr>
              <td colSpan={columns} className="px-4 py-10 text-center text-slate-500">
                {empty}
              </td>
            </tr>
          ) : (
            table.getRowModel().rows.map((row, i) => {
              const { className, ...props } = rowProps?.(row, i) ?? {};
              return (
                <tr
                  key={row.id}
                  className={`${className ?? "hover:bg-slate-50"}${cards ? " max-md:block max-md:rounded-lg max-md:border max-md:border-slate-200 max-md:bg-white max-md:p-2 max-md:shadow-sm" : ""}`}
                  {...props}
                >
                  {row.getVisibleCells().map((cell) => {
                    const header = cell.column.columnDef.header;
                    return (
                      <td
                        key={cell.id}
                        data-label={cards && typeof header === "string" && header ? header : undefined}
                        className={c(
                          "px-3 py-2 align-top",
                          "max-md:block max-md:px-1 max-md:py-1 max-md:before:text-[11px] max-md:before:font-medium max-md:before:uppercase max-md:before:tracking-wide max-md:before:text-slate-500 max-md:before:block max-md:before:content-[attr(data-label)]",
                        )}
                      >
                        {flexRender(cell.column.columnDef.cell, cell.getContext())}
                      </td>
                    );
                  })}
                </tr>
              );
            })
          )}
        </tbody>
      </table>
    </section>
  );
}

/**
 * The one table every list uses. Paging, sorting and filtering happen on the server (state in the URL),
 * so the table only renders the page it is given.
 */
export function DataTable<T>({
  columns,
  data,
  empty,
  testId,
}: {
  columns: ColumnDef<T, unknown>[];
  data: T[];
  empty: string;
  testId?: string;
}) {
  const table = useReactTable({
    data,
    columns,
    getCoreRowModel: getCoreRowModel(),
    manualPagination: true,
    manualSorting: true,
    manualFiltering: true,
  });
  return <TableView table={table} empty={empty} testId={testId} />;
}

/** A row of pre-rendered cells, by column id. */
export type CellRow = { key: string } & Record<string, ReactNode>;

/**
 * `DataTable` for pages that render their cells on the server (links, dates, badges): cell functions cannot
 * cross from a server page to a client component, rendered cells can. `columns` maps each column's id to its
 * header, in display order.
 */
export function CellTable({
  columns,
  rows,
  empty,
  testId,
}: {
  columns: Record<string, string>;
  rows: CellRow[];
  empty: string;
  testId?: string;
}) {
  const defs = useMemo<ColumnDef<CellRow, unknown>[]>(
    () => Object.entries(columns).map(([id, header]) => ({ id, header, cell: ({ row }) => row.original[id] })),
    [columns],
  );
  const table = useReactTable({
    data: rows,
    columns: defs,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (r) => r.key,
  });
  return <TableView table={table} empty={empty} testId={testId} />;
}

/** The checkbox column of a table with multi-select (this page's rows), each box named for screen readers. */
export function selectColumn<T>(label: (row: T) => string, disabled = false): ColumnDef<T, unknown> {
  return {
    id: "select",
    header: ({ table }) => (
      <input
        type="checkbox"
        aria-label="Select all on this page"
        checked={table.getIsAllRowsSelected()}
        onChange={table.getToggleAllRowsSelectedHandler()}
        disabled={disabled}
        className="h-4 w-4 rounded border-slate-300"
      />
    ),
    cell: ({ row }) => (
      <input
        type="checkbox"
        aria-label={label(row.original)}
        checked={row.getIsSelected()}
        onChange={row.getToggleSelectedHandler()}
        disabled={disabled}
        className="h-4 w-4 rounded border-slate-300"
      />
    ),
  };
}

/** A table instance whose rows can be selected (by their id), for lists with bulk actions. */
export function useSelectableTable<T extends { id: string }>(
  data: T[],
  columns: ColumnDef<T, unknown>[],
  selection: RowSelectionState,
  onChange: OnChangeFn<RowSelectionState>,
  enabled = true,
): Table<T> {
  return useReactTable({
    data,
    columns,
    getRowId: (r) => r.id,
    state: { rowSelection: selection },
    onRowSelectionChange: onChange,
    enableRowSelection: enabled,
    getCoreRowModel: getCoreRowModel(),
    manualPagination: true,
  });
}
