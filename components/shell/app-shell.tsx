import { buttonClass } from "@/components/ui/button";
import type { ReactNode } from "react";
import { Logo } from "@/components/ui/logo";
import { NavLinks } from "./nav-links";
import type { NavItem } from "./nav-items";

export interface ShellUser {
  name: string;
  upn: string;
  roleLabel: string;
}

export function AppShell({
  user,
  nav,
  signOut,
  children,
}: {
  user: ShellUser;
  nav: NavItem[];
  signOut: () => Promise<void>;
  children: ReactNode;
}) {
  const initials = user.name
    .split(/\s+/)
    .map((p) => p[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();
  return (
    <div className="flex min-h-screen">
      <aside className="hidden w-60 shrink-0 flex-col border-r border-slate-200 bg-white px-3 py-5 md:flex">
        <div className="mb-6 px-3">
          <Logo className="text-lg text-slate-900" />
          <p className="mt-1 text-xs text-slate-500">Access reviews for Entra ID</p>
        </div>
        <NavLinks items={nav} />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex h-16 items-center justify-between gap-3 border-b border-slate-200 bg-white px-4 sm:px-6">
          <div className="md:hidden">
            <Logo className="text-slate-900" />
          </div>
          {/* On a phone the name and UPN shorten rather than push Sign out off the screen (#18). */}
          <div className="ml-auto flex min-w-0 items-center gap-2 sm:gap-4">
            <div className="min-w-0 text-right" data-testid="signed-in-user">
              <div className="truncate text-sm font-medium text-slate-900">{user.name}</div>
              <div className="truncate text-xs text-slate-500">
                {user.upn} ·{" "}
                <span data-testid="signed-in-role" className="font-medium text-brand-700">
                  {user.roleLabel}
                </span>
              </div>
            </div>
            <span
              className="flex h-9 w-9 shrink-0 items-center justify-center rounded-full bg-brand-600 text-sm font-semibold text-white max-sm:hidden"
              aria-hidden="true"
            >
              {initials}
            </span>
            <form action={signOut} className="shrink-0">
              <button type="submit" className={buttonClass("secondary")}>
                Sign out
              </button>
            </form>
          </div>
        </header>
        <div className="border-b border-slate-200 bg-white px-3 py-2 md:hidden">
          <NavLinks items={nav} />
        </div>
        <main className="mx-auto w-full max-w-7xl flex-1 px-4 py-6 sm:px-6 sm:py-8">{children}</main>
      </div>
    </div>
  );
}
