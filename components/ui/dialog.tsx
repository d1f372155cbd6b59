"use client";

import { type ReactNode, useEffect, useRef } from "react";

/**
 * A modal dialog on the platform's own <dialog>: focus moves into it and is trapped there, Escape closes
 * it, the page behind is inert, and screen readers announce it with its title. Rendered only while open.
 */
export function Dialog({
  open,
  title,
  onClose,
  children,
  footer,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (open && d && !d.open) d.showModal();
    if (!open && d?.open) d.close();
  }, [open]);
  if (!open) return null;
  return (
    <dialog
      ref={ref}
      aria-labelledby="dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-xl bg-white p-5 shadow-xl backdrop:bg-slate-900/40"
    >
      <h2 id="dialog-title" className="text-base font-semibold text-slate-900">
        {title}
      </h2>
      <div className="mt-1">{children}</div>
      {footer && <div className="mt-4 flex justify-end gap-2">{footer}</div>}
    </dialog>
  );
}
