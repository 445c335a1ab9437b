import pg from "pg";
import { waitFor } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { endpointsOf, registerAgent, watchConfig, type SnapshotFeed } from "../agents/agent-client.ts";

describe("the config hub's LISTEN connection", () => {
  let cp: TestControlPlane;
  let admin: pg.Client;
  let feed: SnapshotFeed | undefined;

  const listenerPids = async (): Promise<number[]> => {
    const { rows } = await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'mesh-config-hub'",
      [cp.database.name],
    );
    return rows.map((row) => row.pid);
  };

  beforeAll(async () => {
    cp = await startTestControlPlane();
    admin = new pg.Client({ connectionString: cp.database.url });
    await admin.connect();
  });
  afterAll(async () => {
    feed?.stop();
    await admin?.end();
    await cp?.close();
  });

  it("reconnects when its connection is killed, and pushes changes made afterwards", async () => {
    const reviews = await registerAgent(cp.controlPlane.url, cp.controlPlane.joinToken, { service: "reviews" });
    feed = watchConfig(reviews.client);
    await waitFor(() => feed!.latest(), { timeoutMs: 10_000, what: "first snapshot" });

    const [before] = await listenerPids();
    expect(before).toBeDefined();
    await admin.query("SELECT pg_terminate_backend($1)", [before]);
    const [after] = await waitFor(async () => {
      const pids = await listenerPids();
      return pids.length === 1 && pids[0] !== before ? pids : null;
    }, { timeoutMs: 10_000, what: "a new LISTEN connection" });
    expect(after).not.toBe(before);

    const ratings = await registerAgent(cp.controlPlane.url, cp.controlPlane.joinToken, { service: "ratings" });
    await ratings.heartbeat();
    await waitFor(() => endpointsOf(feed!.latest(), "ratings").length === 1, { timeoutMs: 3_000, what: "ratings endpoint after reconnect" });
  });
});
