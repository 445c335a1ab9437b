import { serverApi } from "./server-api.ts";
import type { Session } from "./session.ts";

/** The operator a token belongs to, or null when the API does not accept it as an operator token. */
export async function whoami(token: string): Promise<Session | null> {
  try {
    const principal = await serverApi(token).auth.whoami.query();
    if (!principal || principal.kind !== "operator") return null;
    return { name: principal.name, role: principal.role };
  } catch (error) {
    if (isAuthError(error)) return null;
    throw error;
  }
}

function isAuthError(error: unknown): boolean {
  const code = (error as { data?: { code?: string } } | null)?.data?.code;
  return code === "UNAUTHORIZED" || code === "FORBIDDEN";
}
