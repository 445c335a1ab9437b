import type { Faults } from "@mesh/shared";

/** Whether this request gets the configured delay; `random` uniform in [0,1). */
export function faultDelayApplies(faults: Faults | undefined, random: number): boolean {
  return faults?.delay !== undefined && random * 100 < faults.delay.percent;
}

/** The status to abort with, or 0 when this request passes. */
export function faultAbortStatus(faults: Faults | undefined, random: number): number {
  return faults?.abort !== undefined && random * 100 < faults.abort.percent ? faults.abort.status : 0;
}
