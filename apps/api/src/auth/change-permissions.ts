import { TRPCError } from "@trpc/server";
import type { ResourceChange } from "../resource-store/changes.ts";
import type { OperatorRole } from "./principal.ts";

/** Mesh-wide settings (mTLS mode, default access) are the admin's; editors change policies. */
const ADMIN_ONLY_KINDS: ReadonlySet<string> = new Set(["MeshConfig"]);

/** Throws FORBIDDEN when `changes` alter a resource the operator's role may not change; unchanged ones are fine (a GitOps file may carry them). */
export function assertMayChange(operator: { name: string; role: OperatorRole }, changes: ResourceChange[]): void {
  if (operator.role === "admin") return;
  const denied = changes.find((change) => change.action !== "unchanged" && ADMIN_ONLY_KINDS.has(change.kind));
  if (denied) {
    throw new TRPCError({ code: "FORBIDDEN", message: `changing ${denied.kind}/${denied.name} needs role admin; ${operator.name} is ${operator.role}, nothing was applied` });
  }
}
