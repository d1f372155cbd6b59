import type { ReactNode } from "react";

export type BadgeTone = "slate" | "brand" | "green" | "amber" | "red" | "sky";

const TONE: Record<BadgeTone, string> = {
  slate: "bg-slate-100 text-slate-700",
  brand: "bg-brand-50 text-brand-800",
  green: "bg-emerald-50 text-emerald-800",
  amber: "bg-amber-50 text-amber-900",
  red: "bg-red-50 text-red-800",
  sky: "bg-sky-50 text-sky-800",
};

/** A small status label: the words carry the meaning, the colour only repeats it. */
export function Badge({
  tone = "slate",
  children,
  className = "",
}: {
  tone?: BadgeTone;
  children: ReactNode;
  className?: string;
}) {
  return (
    <span
      className={`inline-flex whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ${TONE[tone]} ${className}`}
    >
      {children}
    </span>
  );
}
