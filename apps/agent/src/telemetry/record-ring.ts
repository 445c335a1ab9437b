import type { RequestRecord } from "../state.ts";

/**
 * Finished requests waiting for the telemetry's next slice: a preallocated ring of references, so recording a
 * request is one store and two increments. When full (the loop has not run a slice for ~16k requests) new records
 * are dropped and counted.
 */
export class RecordRing {
  private readonly slots: (RequestRecord | undefined)[];
  private readonly mask: number;
  private head = 0;
  private tail = 0;
  private droppedSinceTaken = 0;

  /** `capacity` is rounded up to a power of two. */
  constructor(capacity: number) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(2, capacity)));
    this.slots = new Array<RequestRecord | undefined>(size).fill(undefined);
    this.mask = size - 1;
  }

  get length(): number {
    return this.tail - this.head;
  }

  push(record: RequestRecord): boolean {
    if (this.tail - this.head > this.mask) {
      this.droppedSinceTaken++;
      return false;
    }
    this.slots[this.tail++ & this.mask] = record;
    return true;
  }

  shift(): RequestRecord | undefined {
    if (this.head === this.tail) return undefined;
    const index = this.head++ & this.mask;
    const record = this.slots[index];
    this.slots[index] = undefined;
    return record;
  }

  takeDropped(): number {
    const dropped = this.droppedSinceTaken;
    this.droppedSinceTaken = 0;
    return dropped;
  }
}
