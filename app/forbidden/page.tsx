import Link from "next/link";
import { redirect } from "next/navigation";
import { getCaller, ROLE_LABEL } from "@/lib/auth";

export const metadata = { title: "No access" };
export const dynamic = "force-dynamic";

export default async function ForbiddenPage() {
  const caller = await getCaller();
  if (!caller) redirect("/signin");
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="max-w-md text-center">
        <p className="text-sm font-semibold text-brand-600">403</p>
        <h1 className="mt-2 text-2xl font-semibold text-slate-900">You do not have access to that page</h1>
        <p className="mt-2 text-sm text-slate-600">
          You are signed in as {caller.upn} with the {ROLE_LABEL[caller.role]} role. Ask an administrator to assign you
          the right app role on the Recert app registration.
        </p>
        <Link href="/" className="mt-6 inline-block text-sm font-medium text-brand-600 hover:text-brand-700">
          Back to Recert
        </Link>
      </div>
    </main>
  );
}
