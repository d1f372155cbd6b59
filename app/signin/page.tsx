import { redirect } from "next/navigation";
import { Logo } from "@/components/ui/logo";
import { getCaller, nextAuth } from "@/lib/auth";

export const metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

const ERRORS: Record<string, string> = {
  WrongTenant: "That account belongs to another Microsoft Entra tenant. Sign in with an account of this organization.",
  AccessDenied: "Sign-in was refused. Sign in with an account of this organization.",
  Configuration:
    "Sign-in is not configured correctly. An administrator should check the Entra app registration settings.",
  OAuthCallbackError: "Microsoft Entra did not complete the sign-in. Try again.",
  Verification: "The sign-in link is no longer valid. Try again.",
};

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ error?: string; signedOut?: string; callbackUrl?: string }>;
}) {
  const params = await searchParams;
  if (await getCaller()) redirect("/");
  const error = params.error ? (ERRORS[params.error] ?? "Sign-in failed. Try again.") : undefined;
  // Only same-site paths are honoured as a destination after sign-in.
  const callbackUrl =
    params.callbackUrl?.startsWith("/") && !params.callbackUrl.startsWith("//") ? params.callbackUrl : "/";

  async function signIn() {
    "use server";
    await nextAuth().signIn("microsoft-entra-id", { redirectTo: callbackUrl });
  }

  return (
    <main className="flex min-h-screen items-center justify-center bg-gradient-to-br from-slate-50 to-brand-50 px-4">
      <div className="w-full max-w-sm rounded-2xl border border-slate-200 bg-white p-8 shadow-sm">
        <Logo className="text-xl text-slate-900" />
        <h1 className="mt-6 text-lg font-semibold text-slate-900">Sign in to Recert</h1>
        <p className="mt-1 text-sm text-slate-600">Review who has access to what in your Microsoft Entra tenant.</p>
        {params.signedOut && !error && (
          <p role="status" className="mt-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
            You are signed out.
          </p>
        )}
        {error && (
          <p role="alert" className="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        )}
        <form action={signIn} className="mt-6">
          <button
            type="submit"
            className="flex w-full items-center justify-center gap-3 rounded-md bg-slate-900 px-4 py-2.5 text-sm font-medium text-white hover:bg-slate-800"
          >
            <svg viewBox="0 0 21 21" className="h-4 w-4" aria-hidden="true">
              <rect x="1" y="1" width="9" height="9" fill="#f25022" />
              <rect x="11" y="1" width="9" height="9" fill="#7fba00" />
              <rect x="1" y="11" width="9" height="9" fill="#00a4ef" />
              <rect x="11" y="11" width="9" height="9" fill="#ffb900" />
            </svg>
            Sign in with Microsoft
          </button>
        </form>
        <p className="mt-6 text-xs text-slate-500">
          Admins, auditors and reviewers all sign in with their work account.
        </p>
      </div>
    </main>
  );
}
