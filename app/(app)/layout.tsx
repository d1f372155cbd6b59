import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { navFor } from "@/components/shell/nav-items";
import { nextAuth, requirePageRole, ROLE_LABEL } from "@/lib/auth";

export const dynamic = "force-dynamic";

export default async function SignedInLayout({ children }: { children: ReactNode }) {
  const caller = await requirePageRole();
  async function signOut() {
    "use server";
    // Auth.js's signOut event also ends the session on the server (lib/auth/config.ts).
    await nextAuth().signOut({ redirectTo: "/signin?signedOut=1" });
  }
  return (
    <AppShell
      user={{ name: caller.name, upn: caller.upn, roleLabel: ROLE_LABEL[caller.role] }}
      nav={navFor(caller.role)}
      signOut={signOut}
    >
      {children}
    </AppShell>
  );
}
