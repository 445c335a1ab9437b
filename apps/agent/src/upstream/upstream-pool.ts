import type { Socket } from "node:net";
import { UpstreamConnection } from "./upstream-connection.ts";

/**
 * Kept-alive connections to one upstream, most recently used first (warm sockets, and the others
 * age out). A connection is in the pool only while idle; a busy one belongs to its request.
 */
export class UpstreamPool {
  private readonly idle: UpstreamConnection[] = [];
  private closed = false;

  constructor(
    private readonly open: () => { socket: Socket; connectEvent: "connect" | "secureConnect" },
    /** Idle connections close after this (or sooner, when the upstream's Keep-Alive says so). */
    readonly idleMs: number,
  ) {}

  acquire(): UpstreamConnection {
    while (this.idle.length > 0) {
      const connection = this.idle.pop()!;
      if (!connection.alive) continue;
      connection.socket.setTimeout(0);
      connection.socket.ref();
      connection.reused = true;
      return connection;
    }
    return this.acquireFresh();
  }

  /** A new connection, for a request that must not meet a stale pooled one again. */
  acquireFresh(): UpstreamConnection {
    const { socket, connectEvent } = this.open();
    return new UpstreamConnection(socket, this, connectEvent);
  }

  release(connection: UpstreamConnection): void {
    if (this.closed || connection.idleMs <= 0) {
      connection.socket.destroy();
      return;
    }
    connection.socket.setTimeout(connection.idleMs);
    // An idle pooled connection must not keep the process alive on its own.
    connection.socket.unref();
    this.idle.push(connection);
  }

  forget(connection: UpstreamConnection): void {
    const index = this.idle.indexOf(connection);
    if (index !== -1) this.idle.splice(index, 1);
  }

  /** Idle connections close now; busy ones finish their request and close with it. */
  close(): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
  }
}
