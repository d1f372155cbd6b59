/**
 * Shown by a list page's loading.tsx while its data loads. Only on pages that never answer "not found": a
 * loading boundary streams the page, and a streamed page can no longer change its status from 200 to 404.
 */
export function ListSkeleton() {
  return (
    <div role="status" aria-live="polite" className="animate-pulse">
      <span className="sr-only">Loading…</span>
      <div className="mb-6 h-8 w-64 rounded bg-slate-200" />
      <div className="mb-4 h-9 w-full max-w-xl rounded bg-slate-100" />
      <div className="space-y-2 rounded-xl border border-slate-200 bg-white p-4">
        {[0, 1, 2, 3, 4, 5].map((i) => (
          <div key={i} className="h-5 rounded bg-slate-100" />
        ))}
      </div>
    </div>
  );
}
