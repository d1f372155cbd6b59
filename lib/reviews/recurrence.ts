/** Campaign recurrence: each instance starts one period after the previous one, in UTC, clamped to month ends. */
export type Recurrence = "one_off" | "monthly" | "quarterly" | "semi_annual" | "annual";

const MONTHS: Record<Exclude<Recurrence, "one_off">, number> = { monthly: 1, quarterly: 3, semi_annual: 6, annual: 12 };

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

/** Start of instance `n` (0 = the first) of a campaign first starting at `firstStart`; null for one-off after the first. */
export function instanceStart(firstStart: Date, recurrence: Recurrence, n: number): Date | null {
  if (n === 0) return firstStart;
  if (recurrence === "one_off") return null;
  return addMonthsClamped(firstStart, MONTHS[recurrence] * n);
}

/** The next instance due at `now` or later, counting from the instances already created. */
export function nextInstance(
  firstStart: Date,
  recurrence: Recurrence,
  created: number,
): { index: number; start: Date } | null {
  const start = instanceStart(firstStart, recurrence, created);
  return start ? { index: created, start } : null;
}
