import type { Retention } from "./retention.ts";

/** What an ingestion path keeps of a batch, and how many items it refused as already past the retention. */
export interface RetentionSplit<T> {
  kept: T[];
  tooOld: number;
}

/**
 * Splits a batch at the retention cutoff before anything is written. Storing an item the next prune
 * deletes (the prune runs on the same request) would answer "accepted" for data that is never
 * queryable; refusing it up front lets the response say so. The boundary is the prune's: an item
 * exactly at the cutoff is kept, as pruning deletes only what is strictly older.
 */
export function splitAtRetention<T>(items: T[], timeMsOf: (item: T) => number, cutoffMs: number): RetentionSplit<T> {
  const kept = items.filter((item) => timeMsOf(item) >= cutoffMs);
  return { kept, tooOld: items.length - kept.length };
}

/** The reason given to the sender, naming the retention and the cutoff so a skewed clock is easy to spot. */
export function tooOldMessage(what: string, retention: Retention, cutoffMs: number): string {
  const cutoff = new Date(cutoffMs).toISOString();
  return `${what} not stored: older than the telemetry retention (${retention.text}, cutoff ${cutoff}); check the sender's clock, or MeshConfig spec.telemetry.retention`;
}

/** "1 span", "2 spans": the count in a message. */
export function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
