import pg from "pg";
import { MESH_CHANGES_CHANNEL } from "./mesh-changes.ts";

export interface HubLog {
  warn(message: string): void;
}

export interface ChangeListener {
  close(): Promise<void>;
}

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * A dedicated connection LISTENing on the mesh's change channel. When it drops, it reconnects with backoff and
 * calls `onConnected` again, because notifications sent while it was away are lost.
 */
export async function startChangeListener(options: {
  databaseUrl: string;
  onChange: () => void;
  onConnected: () => void;
  log?: HubLog;
}): Promise<ChangeListener> {
  let client: pg.Client | null = null;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let backoffMs = RECONNECT_MIN_MS;

  const connect = async (): Promise<void> => {
    const candidate = new pg.Client({ connectionString: options.databaseUrl, application_name: "mesh-config-hub", keepAlive: true });
    candidate.on("notification", () => options.onChange());
    candidate.on("error", (error) => lost(candidate, error));
    candidate.on("end", () => lost(candidate, new Error("connection ended")));
    try {
      await candidate.connect();
      await candidate.query(`LISTEN ${MESH_CHANGES_CHANNEL}`);
    } catch (error) {
      await candidate.end().catch(() => undefined);
      throw error;
    }
    if (closed) return void (await candidate.end().catch(() => undefined));
    client = candidate;
    backoffMs = RECONNECT_MIN_MS;
    options.onConnected();
  };

  const lost = (which: pg.Client, error: Error) => {
    if (closed || which !== client) return;
    client = null;
    options.log?.warn(`config hub lost its LISTEN connection (${error.message}); reconnecting`);
    which.end().catch(() => undefined);
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect().catch((error: Error) => {
        options.log?.warn(`config hub could not reconnect LISTEN (${error.message}); retrying in ${backoffMs} ms`);
        scheduleReconnect();
      });
    }, backoffMs);
    backoffMs = Math.min(backoffMs * 2, RECONNECT_MAX_MS);
  };

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}
