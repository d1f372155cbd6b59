import type { Metadata } from "next";
import type { ReactNode } from "react";
import { connection } from "next/server";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Recert", template: "%s · Recert" },
  description: "Access reviews for Microsoft Entra ID",
};

// Every page renders per request: the nonce in proxy.ts's Content-Security-Policy must reach Next's scripts.
export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
