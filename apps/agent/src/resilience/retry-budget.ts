const BUCKETS = 10;
const BUCKET_MS = 1000;

/**
 * Linkerd-style retry budget for one destination: retries may add at most `percent` of the
 * requests seen in the last 10 s (plus a small floor so a quiet service can still retry). Stops
 * retry storms when a destination is failing for everyone.
 */
export class RetryBudget {
  private readonly requests = new Float64Array(BUCKETS);
  private readonly retries = new Float64Array(BUCKETS);
  private second = -Infinity;
  private current = 0;

  constructor(
    private percent: number,
    private readonly minRetriesPerWindow = 10,
  ) {}

  setPercent(percent: number): void {
    this.percent = percent;
  }

  recordRequest(now: number): void {
    this.advance(now);
    this.requests[this.current]!++;
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  tryRetry(now: number): boolean {
    this.advance(now);
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < BUCKETS; i++) {
      requests += this.requests[i]!;
      retries += this.retries[i]!;
    }
    if (retries >= Math.max(this.minRetriesPerWindow, (requests * this.percent) / 100)) return false;
    this.retries[this.current]!++;
    return true;
  }

  /** Clears the buckets of the seconds that passed since the last call. */
  private advance(now: number): void {
    const second = Math.floor(now / BUCKET_MS);
    if (second === this.second) return;
    const from = Math.max(this.second + 1, second - BUCKETS + 1);
    for (let s = from; s <= second; s++) {
      this.requests[s % BUCKETS] = 0;
      this.retries[s % BUCKETS] = 0;
    }
    this.second = second;
    this.current = second % BUCKETS;
  }
}
