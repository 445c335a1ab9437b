import type { ApiClient } from "./api-client.ts";

export type Role = "viewer" | "editor" | "admin";

export interface CliContext {
  apiUrl: string;
  token: string | undefined;
  /** A tRPC client for MESH_API_URL with MESH_TOKEN; created on first use. */
  api(): ApiClient;
  print(text: string): void;
  /** To stderr, so stdout stays clean for scripts (`MESH_TOKEN=$(mesh token create …)`). */
  note(text: string): void;
  readStdin(): Promise<string>;
}

/** One verb of `mesh`, in its own file under commands/. */
export interface Command {
  name: string;
  usage: string;
  summary: string;
  /** The least role the verb needs; named when the API answers 403. */
  role: Role | null;
  run(argv: string[], context: CliContext): Promise<void>;
}
