import type { RequestRecord } from "../../src/state.ts";

/** A finished request as the data path records it; override what the test is about. */
export function requestRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    direction: "outbound",
    source: "a",
    destination: "b",
    destinationVersion: "v1",
    method: "GET",
    path: "/items?id=7",
    status: 200,
    cause: null,
    detail: null,
    startTime: Date.UTC(2026, 10, 26, 4, 0, 3, 250),
    durationMs: 12.5,
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    parentSpanId: "a3ce929d0e0e4736",
    sampled: true,
    attempts: 1,
    peer: "127.0.0.1:15006",
    mtls: true,
    ...overrides,
  };
}
