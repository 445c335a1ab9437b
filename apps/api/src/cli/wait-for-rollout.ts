import type { RolloutStatus } from "../config-push/rollout-status.ts";
import type { ApiClient } from "./api-client.ts";

const POLL_MS = 200;

/**
 * Polls the revision's rollout until every affected live agent has applied it, the deadline passes, or nothing is
 * left to wait for (every agent still pending has rejected it). Returns the last status seen.
 */
export async function waitForRollout(api: ApiClient, revision: number, timeoutMs: number): Promise<RolloutStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await api.revisions.rollout.query({ revision });
    if (status.pending.every((agent) => agent.reason.startsWith("rejected"))) return status;
    const left = deadline - Date.now();
    if (left <= 0) return status;
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
  }
}
