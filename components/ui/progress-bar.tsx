/** A labelled progress bar (share of items decided). */
export function ProgressBar({ pct, label, className = "mt-2" }: { pct: number; label: string; className?: string }) {
  return (
    <div
      className={`${className} h-2 overflow-hidden rounded-full bg-slate-100`}
      role="progressbar"
      aria-valuenow={pct}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-label={label}
    >
      <div className="h-full bg-brand-600" style={{ width: `${pct}%` }} />
    </div>
  );
}
