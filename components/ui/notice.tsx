import type { ActionNote } from "./use-action";

/** The outcome of an action in plain words: a status when it worked, an alert when it did not. */
export function Notice({ note, className = "" }: { note: ActionNote | null; className?: string }) {
  if (!note) return null;
  return (
    <p
      role={note.ok ? "status" : "alert"}
      className={`rounded-md px-3 py-2 text-sm ring-1 ${note.ok ? "bg-emerald-50 text-emerald-800 ring-emerald-200" : "bg-rose-50 text-rose-800 ring-rose-200"} ${className}`}
    >
      {note.text}
    </p>
  );
}
