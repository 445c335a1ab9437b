import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { Shell } from "../../components/shell/shell.tsx";
import { sessionToken } from "../../session/server-api.ts";
import { whoami } from "../../session/whoami.ts";

export const dynamic = "force-dynamic";

/** Every dashboard page needs a session; the role decides which controls are enabled. */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const token = await sessionToken();
  if (!token) redirect("/login");
  const session = await whoami(token);
  if (!session) redirect("/login");
  return <Shell session={session}>{children}</Shell>;
}
