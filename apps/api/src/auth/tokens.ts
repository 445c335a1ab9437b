import { createHash, randomBytes } from "node:crypto";

export type TokenKind = "op" | "join" | "agent" | "session";

/** A new random secret, prefixed so its kind is visible (`mesh_op_…`, `mesh_join_…`, `mesh_agent_…`, `mesh_session_…`). */
export function generateToken(kind: TokenKind): string {
  return `mesh_${kind}_${randomBytes(24).toString("base64url")}`;
}

/** Tokens are stored only as this hash. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
