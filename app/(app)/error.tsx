"use client";

import { Button } from "@/components/ui/button";

/**
 * A page that failed while rendering. Production builds never send the error's message to the browser,
 * only a digest that matches the server log line; this page shows that reference and a way to retry.
 */
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="rounded-xl border border-rose-200 bg-rose-50 px-6 py-10 text-center">
      <h2 className="text-base font-semibold text-rose-900">This page could not be shown</h2>
      <p className="mx-auto mt-2 max-w-md text-sm text-rose-800">
        Something failed on the server while preparing it. Nothing was changed. Try again; if it keeps failing, give
        your administrator this reference{error.digest ? `: ${error.digest}` : "."}
      </p>
      <Button variant="primary" className="mt-6" onClick={reset}>
        Try again
      </Button>
    </div>
  );
}
