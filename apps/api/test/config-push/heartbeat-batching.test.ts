import { TRPCClientError } from "@trpc/client";
import { waitFor } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { endpointsOf, registerAgent, watchConfig, type RegisteredAgent, type SnapshotFeed } from "../agents/agent-client.ts";

// Heartbeats that arrive together are written by one statement; each caller must still get its own answer.
describe("many agents heartbeating at once", () => {
  const AGENTS = 40;
  let cp: TestControlPlane;
  let agents: RegisteredAgent[];
  let feed: SnapshotFeed;

  beforeAll(async () => {
    cp = await startTestControlPlane();
    agents = [];
    for (let i = 0; i < AGENTS; i++) {
      agents.push(await registerAgent(cp.controlPlane.url, cp.controlPlane.joinToken, { service: `svc-${i % 4}`, version: `v${i % 2}`, inboundPort: 17000 + i }));
    }
    feed = watchConfig(agents[0]!.client);
  });
  afterAll(async () => {
    feed?.stop();
    await cp?.close();
  });

  it("records each instance's own health and applied revision, and makes every one an endpoint", async () => {
    await Promise.all(agents.map((agent, i) => agent.heartbeat(i % 5 === 0 ? "degraded" : "ok", i)));

    const { agents: status } = await cp.admin.agents.status.query();
    const byId = new Map(status.map((row) => [row.instanceId, row]));
    agents.forEach((agent, i) => {
      const row = byId.get(agent.registration.instanceId);
      expect(row?.appliedRevision).toBe(i);
      expect(row?.health).toBe(i % 5 === 0 ? "degraded" : "ok");
    });
    // Becoming endpoints is announced, so a subscribed agent sees all of them.
    const snapshot = await waitFor(
      () => {
        const latest = feed.latest();
        return [0, 1, 2, 3].every((s) => endpointsOf(latest, `svc-${s}`).length === AGENTS / 4) ? latest : undefined;
      },
      { timeoutMs: 15_000, what: "every instance as an endpoint" },
    );
    expect(endpointsOf(snapshot, "svc-1").sort()).toEqual(agents.filter((_, i) => i % 4 === 1).map((a) => a.registration.instanceId).sort());
  });

  it("refuses the heartbeat of a deregistered instance sent among live ones, and only that one", async () => {
    const gone = agents[7]!;
    await gone.client.agent.deregister.mutate();
    const outcomes = await Promise.allSettled(agents.map((agent) => agent.heartbeat("ok", 100)));

    outcomes.forEach((outcome, i) => {
      if (i === 7) {
        expect(outcome.status).toBe("rejected");
        const error = (outcome as PromiseRejectedResult).reason as TRPCClientError<never>;
        // A deregistered instance's credential no longer authenticates, or its heartbeat finds no instance.
        expect([401, 404]).toContain((error.data as { httpStatus?: number } | undefined)?.httpStatus);
      } else {
        expect(outcome.status).toBe("fulfilled");
      }
    });
    const { agents: status } = await cp.admin.agents.status.query();
    expect(status.filter((row) => row.appliedRevision === 100)).toHaveLength(AGENTS - 1);
  });
});
