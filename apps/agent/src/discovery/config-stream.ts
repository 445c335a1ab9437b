import type { AgentSnapshot } from "@mesh/shared";
import type { ControlPlaneClient } from "./control-plane-client.ts";

/**
 * Follows agent.config until the stream breaks (rejects with the cause) or `signal` aborts (resolves).
 * The agent runs its own reconnect loop with backoff, so any drop ends this call rather than letting
 * EventSource retry on a fixed interval.
 */
export function followConfig(client: ControlPlaneClient, onSnapshot: (snapshot: AgentSnapshot) => void, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      subscription.unsubscribe();
      signal.removeEventListener("abort", onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = () => finish();
    const subscription = client.agent.config.subscribe(undefined, {
      onData: (snapshot) => onSnapshot(snapshot),
      onError: (error) => finish(error),
      onComplete: () => finish(new Error("the control plane ended the config stream")),
      onConnectionStateChange: (change) => {
        if (change.state === "connecting" && change.error) finish(change.error);
      },
    });
    if (signal.aborted) finish();
    else signal.addEventListener("abort", onAbort);
  });
}
