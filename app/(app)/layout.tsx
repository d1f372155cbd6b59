import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { navFor } from "@/components/shell/nav-items";
import { getCaller, nextAuth, requirePageRole, ROLE_LABEL } from "@/lib/auth";
import { revokeSessions } from "@/lib/auth/standing";
import { appCtx } from "@/lib/db";

export const dynamic = "force-dynamic";

export default async function SignedInLayout({ children }: { children: ReactNode }) {
  const caller = await requirePageRole();
  async function signOut() {
    "use server";
    // Ends the session on the server too: a copied cookie stops working (every session of this person).
    const who = await getCaller();
    if (who) await revokeSessions(appCtx(), who.id);
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
