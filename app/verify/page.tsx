import { Logo } from "@/components/ui/logo";
import { VerifyForm } from "@/components/reports/verify-form";

export const metadata = { title: "Verify a report" };

/** Public: anyone holding a Recert report checks its signature here (or offline with pdfsig / npm run verify). */
export default function VerifyPage() {
  return (
    <main className="mx-auto max-w-2xl px-4 py-12">
      <div className="mb-8 flex items-center gap-3">
        <Logo />
      </div>
      <h1 className="text-2xl font-semibold text-slate-900">Verify a review report</h1>
      <p className="mt-2 text-sm text-slate-600">
        Drop a signed PDF, or a CSV/JSON report with its <code>.jws</code> manifest. Changing any byte makes it invalid.
        Nothing you upload is stored. The signing certificate is at{" "}
        <a className="text-brand-700 underline" href="/api/report-certificate">
          /api/report-certificate
        </a>
        ; offline, use <code>pdfsig</code> or <code>npm run verify -- &lt;file&gt;</code>.
      </p>
      <div className="mt-8 rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <VerifyForm />
      </div>
    </main>
  );
}
