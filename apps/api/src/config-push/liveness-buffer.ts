import type { PrismaClient } from "../db/client.ts";
import { INSTANCE_TTL_MS, LIVE_INSTANCE_SQL, LIVENESS_FLUSH_MS } from "./liveness.ts";

interface Seen {
  id: string;
  service: string;
  /** What the last written heartbeat said (health, applied and rejected revision); a heartbeat saying the same only refreshes liveness. */
  state: string;
  /** When this replica last heard from the instance (monotonic clock), and when that was last written. */
  seenAt: number;
  flushedAt: number;
}

/**
 * Heartbeats that only say "still here", kept in this replica's memory and written for every instance at once,
 * LIVENESS_FLUSH_MS apart, instead of one database write per heartbeat. Anything else a heartbeat says (health,
 * applied or rejected revision) is written at once by the caller, which then `remember`s it here.
 */
export class LivenessBuffer {
  private readonly seen = new Map<string, Seen>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * True when the heartbeat repeats what was last written for an instance heard from recently: it is recorded here
   * only. An instance silent for half the TTL may have expired meanwhile, so its heartbeat goes to the database.
   */
  absorb(key: string, state: string, now = performance.now()): boolean {
    const seen = this.seen.get(key);
    if (!seen || seen.state !== state || now - seen.seenAt > INSTANCE_TTL_MS / 2) return false;
    seen.seenAt = now;
    this.timer ??= setTimeout(() => void this.flush(), LIVENESS_FLUSH_MS).unref();
    return true;
  }

  /** The caller wrote this heartbeat to the database. */
  remember(key: string, id: string, service: string, state: string, now = performance.now()): void {
    this.seen.set(key, { id, service, state, seenAt: now, flushedAt: now });
  }

  forget(key: string): void {
    this.seen.delete(key);
  }

  /** Writes every liveness heard since the last flush in one statement. */
  flush(): Promise<void> {
    this.flushing ??= this.write()
      .catch((error: unknown) => {
        // Unwritten, the database's view lags: let every next heartbeat be written, so none can be expired unseen.
        this.seen.clear();
        this.onError(error);
      })
      .finally(() => (this.flushing = null));
    return this.flushing;
  }

  /** Flushes and stops scheduling; later heartbeats are written one by one by the caller. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
    this.seen.clear();
  }

  private async write(): Promise<void> {
    this.timer = null;
    const now = performance.now();
    const due = [...this.seen.entries()].filter(([key, seen]) => {
      if (now - seen.seenAt > INSTANCE_TTL_MS) this.seen.delete(key);
      return seen.seenAt > seen.flushedAt && now - seen.seenAt <= INSTANCE_TTL_MS;
    });
    if (due.length === 0) return;
    // Each instance's silence is sent as an age, so the row holds the database's clock like every other write.
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE "Instance" AS instance
      SET "lastHeartbeatAt" = GREATEST(instance."lastHeartbeatAt", (now() AT TIME ZONE 'UTC') - make_interval(secs => input.age))
      FROM unnest(
        ${due.map(([, seen]) => seen.id)}::text[],
        ${due.map(([, seen]) => seen.service)}::text[],
        ${due.map(([, seen]) => (now - seen.seenAt) / 1000)}::double precision[]
      ) AS input(id, service, age)
      WHERE instance.id = input.id AND instance."serviceName" = input.service AND ${LIVE_INSTANCE_SQL}
      RETURNING instance.id`;
    const written = new Set(rows.map((row) => row.id));
    for (const [key, seen] of due) {
      // Deregistered (through any replica) or expired: its next heartbeat is written, and answered or made an endpoint again.
      if (written.has(seen.id)) seen.flushedAt = now;
      else this.seen.delete(key);
    }
  }
}
