import type { Metadata } from "next";
import type { ReactNode } from "react";
import { inter } from "./fonts.ts";
import "./globals.css";

export const metadata: Metadata = { title: { default: "Mesh", template: "%s · Mesh" }, description: "Service mesh dashboard" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" className={inter.variable}>
      <body>{children}</body>
    </html>
  );
}
