import { z } from "zod";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Parses "500ms", "2s", "1.5m", "24h" into milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration: use a number with ms, s, m or h, like 500ms or 2s`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Formats milliseconds the way a person would write them in YAML. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A duration string in a resource; kept as written so apply → get round-trips it. */
export const durationSchema = z
  .string()
  .regex(DURATION, { error: 'must be a duration like "500ms", "2s", "1m" or "1h"' })
  .refine((text) => !DURATION.test(text) || parseDuration(text) > 0, { error: "must be greater than zero" });
