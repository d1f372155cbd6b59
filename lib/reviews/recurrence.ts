/**
 * Campaign recurrence: each instance starts one period after the first, in UTC: whole months clamped to month ends,
 * or a number of days (weekly, custom). A series may end after a number of instances or on a date (#18).
 */
export type Recurrence = "one_off" | "weekly" | "monthly" | "quarterly" | "semi_annual" | "annual" | "custom";

const MONTHS: Record<"monthly" | "quarterly" | "semi_annual" | "annual", number> = {
  monthly: 1,
  quarterly: 3,
  semi_annual: 6,
  annual: 12,
};
const DAY = 86_400_000;

export interface SeriesEnd {
  end: "never" | "after" | "on";
  count?: number;
  on?: Date;
}

/** Adds months keeping the day of the first start where the month has it (Jan 31 → Feb 28/29 → Mar 31). */
export function addMonthsClamped(anchor: Date, months: number): Date {
  const y = anchor.getUTCFullYear();
  const m = anchor.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      targetYear,
      targetMonth,
      Math.min(anchor.getUTCDate(), lastDay),
      anchor.getUTCHours(),
      anchor.getUTCMinutes(),
      anchor.getUTCSeconds(),
    ),
  );
}

/**
 * Start of instance `n` (0 = the first) of a campaign first starting at `firstStart`; null when there is none: after
 * the first of a one-off, past the series' count, or after its end date.
 */
export function instanceStart(
  firstStart: Date,
  recurrence: Recurrence,
  n: number,
  o: { intervalDays?: number; series?: SeriesEnd } = {},
): Date | null {
  if (n === 0) return firstStart;
  if (recurrence === "one_off") return null;
  if (o.series?.end === "after" && o.series.count !== undefined && n >= o.series.count) return null;
  const start =
    recurrence === "weekly"
      ? new Date(firstStart.getTime() + 7 * n * DAY)
      : recurrence === "custom"
        ? o.intervalDays
          ? new Date(firstStart.getTime() + o.intervalDays * n * DAY)
          : null
        : addMonthsClamped(firstStart, MONTHS[recurrence] * n);
  if (!start) return null;
  if (o.series?.end === "on" && o.series.on && start.getTime() > o.series.on.getTime()) return null;
  return start;
}

/** The next instance due at `now` or later, counting from the instances already created. */
export function nextInstance(
  firstStart: Date,
  recurrence: Recurrence,
  created: number,
  o: { intervalDays?: number; series?: SeriesEnd } = {},
): { index: number; start: Date } | null {
  const start = instanceStart(firstStart, recurrence, created, o);
  return start ? { index: created, start } : null;
}
