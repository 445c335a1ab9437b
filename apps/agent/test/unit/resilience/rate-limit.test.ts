import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenBucket } from "../../../src/resilience/rate-limit.ts";
import { httpCall, snapshot } from "../../support/mesh-fixture.ts";
import { startSmallMesh, type SmallMesh } from "../../support/small-mesh.ts";

describe("token bucket", () => {
  it("allows a burst, then refills at the rate", () => {
    const bucket = new TokenBucket(10, 5, 0);
    const burst = Array.from({ length: 7 }, () => bucket.tryTake(0));
    expect(burst).toEqual([true, true, true, true, true, false, false]);
    expect(bucket.tryTake(99)).toBe(false); // 0.99 tokens after 99 ms at 10/s
    expect(bucket.tryTake(100)).toBe(true);
    expect(bucket.available(10_000)).toBe(5); // never above burst
  });

  it("keeps earned tokens when reconfigured, capped by the new burst", () => {
    const bucket = new TokenBucket(1, 10, 0);
    bucket.reconfigure(100, 3, 0);
    expect(bucket.available(0)).toBe(3);
    for (let i = 0; i < 3; i++) bucket.tryTake(0);
    expect(bucket.available(20)).toBeCloseTo(2);
  });
});

describe("inbound rate limit", () => {
  let mesh: SmallMesh;
  beforeAll(async () => {
    mesh = await startSmallMesh([{ version: "v1" }]);
  });
  afterAll(() => mesh.close());

  it("answers 429 rate-limited beyond the burst", async () => {
    const server = mesh.serverStates[0]!;
    server.setSnapshot(snapshot({ service: "server", rateLimit: { requestsPerSecond: 0.001, burst: 3 } }));
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof httpCall>> | undefined;
    for (let i = 0; i < 5; i++) {
      const reply = await httpCall(mesh.outboundPort, "/", { headers: { host: "server" } });
      statuses.push(reply.status);
      if (reply.status === 429) limited = reply;
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(limited!.headers["x-mesh-error"]).toBe("rate-limited");
  });
});
