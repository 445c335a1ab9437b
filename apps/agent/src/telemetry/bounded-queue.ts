/** A FIFO that never grows past `capacity`: what does not fit is dropped and counted, never waited for. */
export class BoundedQueue<T> {
  private items: T[] = [];
  /** Items dropped since the counter was last taken. */
  private droppedSinceTaken = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.items.length >= this.capacity) this.droppedSinceTaken++;
    else this.items.push(item);
  }

  /** Removes and returns up to `max` of the oldest items. */
  take(max: number): T[] {
    return this.items.splice(0, max);
  }

  /** Puts items back at the front (a failed send), keeping the newest that fit. */
  putBack(items: T[]): void {
    const room = this.capacity - this.items.length;
    if (items.length > room) this.droppedSinceTaken += items.length - room;
    this.items = [...items.slice(0, Math.max(0, room)), ...this.items];
  }

  takeDropped(): number {
    const dropped = this.droppedSinceTaken;
    this.droppedSinceTaken = 0;
    return dropped;
  }

  /** Adds back a count taken by takeDropped whose report did not go through. */
  restoreDropped(count: number): void {
    this.droppedSinceTaken += count;
  }
}
