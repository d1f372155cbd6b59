import type { ReactNode } from "react";

/** A white card with an optional title bar: the frame of every block on a page. */
export function Section({
  title,
  actions,
  children,
  className = "",
  testId,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <section className={`rounded-xl border border-slate-200 bg-white shadow-sm ${className}`} data-testid={testId}>
      {title && (
        <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-5 py-3">
          <h2 className="text-sm font-semibold text-slate-900">{title}</h2>
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}
