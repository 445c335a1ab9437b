"use client";
import { createContext, useContext, type ReactNode } from "react";
import { hasRole, type OperatorRole, type Session } from "./session.ts";

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

/** Whether the signed-in operator may use controls that need `minimum`; the API enforces it too. */
export function useCan(minimum: OperatorRole): boolean {
  return hasRole(useSession(), minimum);
}
