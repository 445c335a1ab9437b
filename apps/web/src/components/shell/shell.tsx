"use client";
import type { ReactNode } from "react";
import { QueryProvider } from "../../trpc/query-provider.tsx";
import { SessionProvider } from "../../session/session-context.tsx";
import type { Session } from "../../session/session.ts";
import { Sidebar } from "./sidebar.tsx";

export function Shell({ session, children }: { session: Session; children: ReactNode }) {
  return (
    <SessionProvider session={session}>
      <QueryProvider>
        <div className="shell">
          <Sidebar />
          <main className="main">{children}</main>
        </div>
      </QueryProvider>
    </SessionProvider>
  );
}
