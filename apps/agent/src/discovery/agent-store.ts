import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { AgentSnapshot, RegisterInput } from "@mesh/shared";
import type { TlsCredentials } from "../state.ts";

/** Who this agent is to the control plane: the result of agent.register. */
export interface AgentSession {
  instanceId: string;
  credential: string;
  trustDomain: string;
  heartbeatIntervalMs: number;
  /** What the session was registered with; a restart with other flags registers again. */
  controlPlaneUrl: string;
  registration: RegisterInput;
}

const FILES = {
  snapshot: "snapshot.json",
  session: "session.json",
  credentials: "credentials.json",
} as const;

/**
 * The last good state kept in --data-dir, so an agent restarted while the control plane is down
 * still serves. Secrets (credential, private key) are written 0600; every write is atomic
 * (temp file + rename) so a crash never leaves half a file.
 */
export class AgentStore {
  /** Writes of one file run in order, so a slow older write can never replace a newer one. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  loadSnapshot(): Promise<AgentSnapshot | null> {
    return this.read<AgentSnapshot>(FILES.snapshot);
  }

  saveSnapshot(snapshot: AgentSnapshot): Promise<void> {
    return this.write(FILES.snapshot, snapshot, 0o644);
  }

  loadSession(): Promise<AgentSession | null> {
    return this.read<AgentSession>(FILES.session);
  }

  saveSession(session: AgentSession): Promise<void> {
    return this.write(FILES.session, session, 0o600);
  }

  clearSession(): Promise<void> {
    return rm(path.join(this.dir, FILES.session), { force: true });
  }

  async loadCredentials(): Promise<TlsCredentials | null> {
    const stored = await this.read<Omit<TlsCredentials, "notAfter"> & { notAfter: string }>(FILES.credentials);
    return stored ? { ...stored, notAfter: new Date(stored.notAfter) } : null;
  }

  saveCredentials(credentials: TlsCredentials): Promise<void> {
    return this.write(FILES.credentials, { ...credentials, notAfter: credentials.notAfter.toISOString() }, 0o600);
  }

  private async read<T>(name: string): Promise<T | null> {
    try {
      return JSON.parse(await readFile(path.join(this.dir, name), "utf8")) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new Error(`cannot read ${path.join(this.dir, name)}: ${(error as Error).message}`);
    }
  }

  private write(name: string, value: unknown, mode: number): Promise<void> {
    const target = path.join(this.dir, name);
    const temp = `${target}.${process.pid}.tmp`;
    const text = JSON.stringify(value);
    const next = (this.writes.get(name) ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        await writeFile(temp, text, { mode });
        await rename(temp, target);
      });
    this.writes.set(name, next);
    return next;
  }
}
