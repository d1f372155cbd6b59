import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { env } from "@/lib/env";

export const metadata = { title: "Settings" };

export default async function SettingsPage() {
  await requirePageRole("admin");
  const e = env();
  const rows: [string, string][] = [
    ["Tenant id", e.ENTRA_TENANT_ID],
    ["Client id", e.AUTH_MICROSOFT_ENTRA_ID_ID],
    ["Client secret", "configured (from environment)"],
    ["Sign-in authority", e.AUTH_MICROSOFT_ENTRA_ID_ISSUER],
    ["Microsoft Graph", e.GRAPH_BASE_URL],
  ];
  return (
    <>
      <PageHeader title="Settings" description="The Entra tenant Recert reads from and writes revocations to." />
      <section className="rounded-xl border border-slate-200 bg-white shadow-sm">
        <h2 className="border-b border-slate-200 px-5 py-3 text-sm font-semibold text-slate-900">Tenant connection</h2>
        <dl className="divide-y divide-slate-100">
          {rows.map(([k, v]) => (
            <div key={k} className="grid grid-cols-3 gap-4 px-5 py-3 text-sm">
              <dt className="text-slate-500">{k}</dt>
              <dd className="col-span-2 font-mono text-slate-900">{v}</dd>
            </div>
          ))}
        </dl>
      </section>
    </>
  );
}
