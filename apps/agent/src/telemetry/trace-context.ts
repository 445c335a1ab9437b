import { randomFillSync } from "node:crypto";

/** The W3C trace context of one span the agent makes (one per request per side). */
export interface TraceContext {
  traceId: string;
  spanId: string;
  /** The span that called us (from the incoming traceparent), or null when we started the trace. */
  parentSpanId: string | null;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const INVALID_TRACE_ID = "0".repeat(32);
const INVALID_SPAN_ID = "0".repeat(16);

export interface ParsedTraceparent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

/** Parses a traceparent header; null when absent or malformed (then a new trace starts, as W3C says). */
export function parseTraceparent(header: string | string[] | undefined): ParsedTraceparent | null {
  if (typeof header !== "string" || header.length < 55) return null;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match) return null;
  const [, version, traceId, spanId, flags] = match as unknown as [string, string, string, string, string];
  if (version === "ff" || (version === "00" && header.trim().length !== 55)) return null;
  if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return null;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/**
 * The context of the span this hop makes: a child of the incoming traceparent, or the root of a new
 * trace. Sampling is decided from the trace id, so every agent on the path agrees without talking;
 * a parent marked sampled is always followed.
 */
export function childContext(header: string | string[] | undefined, samplingRatio: number): TraceContext {
  const parent = parseTraceparent(header);
  const traceId = parent ? parent.traceId : randomHex(16);
  return {
    traceId,
    spanId: randomHex(8),
    parentSpanId: parent ? parent.spanId : null,
    sampled: (parent !== null && parent.sampled) || sampledByTraceId(traceId, samplingRatio),
  };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? "01" : "00"}`;
}

/** The low 32 bits of the trace id as a fraction of 2^32, compared with the ratio. */
export function sampledByTraceId(traceId: string, ratio: number): boolean {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  return parseInt(traceId.slice(24), 16) / 0x1_0000_0000 < ratio;
}

// Ids come from a pooled random buffer: one getrandom call per 512 ids instead of one per id.
const pool = Buffer.allocUnsafe(4096);
let poolOffset = pool.length;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString("hex", poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  // An all-zero id is invalid in W3C; the chance is negligible but the check is cheap.
  return hex === INVALID_TRACE_ID || hex === INVALID_SPAN_ID ? randomHex(bytes) : hex;
}
