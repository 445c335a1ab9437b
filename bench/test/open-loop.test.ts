import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runOpenLoop } from "../open-loop.ts";

// The server answers at once, except that it holds every answer during one stall window.
const STALL_FROM_MS = 1000;
const STALL_MS = 500;
let server: Server;
let url: string;
let startedAt = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    const sinceStart = performance.now() - startedAt;
    const holdMs = startedAt && sinceStart >= STALL_FROM_MS && sinceStart < STALL_FROM_MS + STALL_MS ? STALL_FROM_MS + STALL_MS - sinceStart : 0;
    setTimeout(() => res.end("ok"), holdMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it("keeps sending on schedule through a stall and counts the wait of every request scheduled in it", async () => {
  // The first request reaching the server starts its clock (the generator process takes a moment to start).
  server.once("request", () => (startedAt = performance.now()));
  const result = await runOpenLoop({ url, ratePerSecond: 100, durationMs: 3000, warmupMs: 0, connections: 4, timeoutMs: 5000 });

  expect(result.errors).toBe(0);
  expect(result.scheduled).toBe(300);
  expect(result.completed).toBe(300);
  // ~50 of 300 requests fall in the stall, waiting up to 500 ms each; a closed-loop tool with 4 connections would
  // have sent only 4 during it, and its p90 would not move.
  expect(result.latencyMs.p90).toBeGreaterThan(150);
  expect(result.latencyMs.max).toBeGreaterThan(350);
  // It caught up before the window closed: the path sustained the offered rate.
  expect(result.achievedRatePerSecond).toBeGreaterThan(90);
});

it("reports the rate a path sustained when it cannot keep up with the offered one", async () => {
  // 2 connections, each answer held 20 ms: at most 100 answers a second, whatever is offered.
  const slow = createServer((_req, res) => setTimeout(() => res.end("ok"), 20));
  await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
  try {
    const result = await runOpenLoop({ url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`, ratePerSecond: 300, durationMs: 1000, warmupMs: 0, connections: 2, timeoutMs: 10_000 });
    expect(result.achievedRatePerSecond).toBeGreaterThan(60);
    expect(result.achievedRatePerSecond).toBeLessThan(110);
  } finally {
    await new Promise<void>((resolve) => slow.close(() => resolve()));
  }
});
