// An open-loop HTTP load generator, run in its own process (open-loop-process.ts) so it never shares an event loop
// with what it measures: requests leave at fixed,
// pre-computed times whatever the responses do, and each latency is measured from its SCHEDULED send time, so a
// stall shows up in the percentiles instead of silently lowering the offered rate (no coordinated omission).
import http from "node:http";
import { startTsProcess } from "../packages/testkit/src/processes.ts";
import { distribution, type Distribution } from "./stats.ts";

export interface OpenLoopOptions {
  url: string;
  headers?: Record<string, string>;
  ratePerSecond: number;
  durationMs: number;
  /** Sent at the same rate before the measured window and left out of the figures (connections, JIT, caches). */
  warmupMs: number;
  /** Keep-alive connections in the pool; requests beyond them wait (and that wait counts). */
  connections: number;
  timeoutMs: number;
}

export interface OpenLoopResult {
  scheduled: number;
  completed: number;
  errors: number;
  non2xx: number;
  latencyMs: Distribution;
  /** Responses completed per second within the measured window: below the offered rate, the path was overloaded. */
  achievedRatePerSecond: number;
  /** How late the generator itself sent, worst case (its timer resolution is about 1 ms). */
  maxSendLagMs: number;
}

export const RESULT_PREFIX = "OPEN-LOOP-RESULT ";

export async function generateOpenLoad(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });
  const target = new URL(options.url);
  const intervalMs = 1000 / options.ratePerSecond;
  const total = Math.round(((options.warmupMs + options.durationMs) / 1000) * options.ratePerSecond);
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let outstanding = 0;
  let maxSendLagMs = 0;
  let measuredScheduled = 0;
  let completedInWindow = 0;
  const start = performance.now() + 20;
  const measuredFrom = start + options.warmupMs;
  const measuredUntil = measuredFrom + options.durationMs;

  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  let next = 0;

  const send = (scheduledAt: number) => {
    const measured = scheduledAt >= measuredFrom;
    if (measured) measuredScheduled++;
    outstanding++;
    maxSendLagMs = Math.max(maxSendLagMs, performance.now() - scheduledAt);
    let settled = false;
    const settle = (ok: boolean, status?: number) => {
      if (settled) return;
      settled = true;
      outstanding--;
      if (measured) {
        if (!ok) errors++;
        else {
          if (status === undefined || status < 200 || status >= 300) non2xx++;
          const now = performance.now();
          latencies.push(now - scheduledAt);
          if (now <= measuredUntil) completedInWindow++;
        }
      }
      if (next >= total && outstanding === 0) finished();
    };
    const request = http.request(target, { agent, method: "GET", headers: options.headers }, (response) => {
      response.on("end", () => settle(true, response.statusCode));
      response.on("error", () => settle(false));
      response.resume();
    });
    request.setTimeout(options.timeoutMs, () => request.destroy(new Error("timeout")));
    request.on("error", () => settle(false));
    request.end();
  };

  const tick = () => {
    const now = performance.now();
    while (next < total && start + next * intervalMs <= now) send(start + next++ * intervalMs);
    if (next < total) setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
    else if (outstanding === 0) finished();
  };
  setTimeout(tick, Math.max(0, start - performance.now()));
  await allDone;
  agent.destroy();

  return {
    scheduled: measuredScheduled,
    completed: latencies.length,
    errors,
    non2xx,
    latencyMs: distribution(latencies),
    achievedRatePerSecond: completedInWindow / (options.durationMs / 1000),
    maxSendLagMs,
  };
}

/** Runs the generator in a separate process and returns its figures. */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const generator = startTsProcess("bench/open-loop-process.ts", [JSON.stringify(options)]);
  const killer = setTimeout(() => void generator.stop(1000), options.warmupMs + options.durationMs + options.timeoutMs + 30_000);
  const code = await generator.exited;
  clearTimeout(killer);
  const line = generator.output().split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (code !== 0 || !line) throw new Error(`open-loop generator failed (exit ${code}): ${generator.output().slice(-2000)}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as OpenLoopResult;
}
