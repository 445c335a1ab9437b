export type OperatorRole = "viewer" | "editor" | "admin";

export interface Session {
  name: string;
  role: OperatorRole;
}

const RANK: Record<OperatorRole, number> = { viewer: 0, editor: 1, admin: 2 };

export function hasRole(session: Session, minimum: OperatorRole): boolean {
  return RANK[session.role] >= RANK[minimum];
}
