/**
 * CSV cells as spreadsheet software will read them. A cell starting with = + - @ (or a tab/CR) is
 * prefixed with an apostrophe so Excel and Sheets show it as text instead of running it as a formula
 * (CSV/formula injection: a guest named "=HYPERLINK(…)" must not become a link in an auditor's sheet).
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let s = value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: unknown[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
