/** A one-slot mailbox: a new value replaces one not yet taken, so a slow reader only ever gets the newest. */
export class LatestValue<T> {
  #value: { current: T } | null = null;
  #wake: (() => void) | null = null;
  #closed = false;

  set(value: T): void {
    this.#value = { current: value };
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  /** The next value, or undefined once closed or aborted. */
  async take(signal?: AbortSignal): Promise<T | undefined> {
    while (!this.#value) {
      if (this.#closed || signal?.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#wake = null;
          signal?.removeEventListener("abort", wake);
          resolve();
        };
        this.#wake = wake;
        signal?.addEventListener("abort", wake, { once: true });
      });
    }
    const { current } = this.#value;
    this.#value = null;
    return current;
  }
}
