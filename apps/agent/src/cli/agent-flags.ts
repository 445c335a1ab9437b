import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { serviceNameSchema, versionSchema } from "@mesh/shared";

export interface AgentFlags {
  service: string;
  version: string;
  appPort: number;
  inboundPort: number;
  outboundPort: number;
  adminPort: number;
  controlPlane: string;
  joinToken: string | null;
  dataDir: string;
  advertiseAddress: string;
}

export const USAGE = `usage: mesh-agent --service NAME --version V --app-port P [--inbound-port 15006] [--outbound-port 15001]
                  [--admin-port 15000] [--control-plane URL] [--join-token-file F] [--data-dir DIR] [--advertise-address IP]
env: MESH_CONTROL_PLANE (default http://127.0.0.1:4000), MESH_JOIN_TOKEN (the join token, when no --join-token-file),
     MESH_AGENT_HEADERS_TIMEOUT_MS (time a client has to send a request head, default 10000),
     MESH_AGENT_BODY_TIMEOUT_MS (time from a request head to the end of its body, default 60000),
     MESH_AGENT_IDLE_TIMEOUT_MS (a kept-alive client connection with no request, default 65000),
     MESH_AGENT_TELEMETRY=off (no spans, metric rollups or access log, e.g. to measure their cost; /metrics stays),
     OTEL_EXPORTER_OTLP_ENDPOINT (send spans to this OTLP/HTTP endpoint's /v1/traces instead of the control plane),
     MESH_AGENT_RENEW_EVERY_MS (tests only: renew the certificate this often instead of at half-life)`;

/** Thrown for bad command-line input; main prints the message and the usage, and exits 2. */
export class FlagError extends Error {}

/** Parses mesh-agent's flags (with env fallbacks); every problem is named, all at once. */
export function parseAgentFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): AgentFlags {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries(
        ["service", "version", "app-port", "inbound-port", "outbound-port", "admin-port", "control-plane", "join-token", "join-token-file", "data-dir", "advertise-address"].map(
          (name) => [name, { type: "string" as const }],
        ),
      ),
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    throw new FlagError((error as Error).message);
  }

  const problems: string[] = [];
  const required = (name: string): string => {
    const value = values[name];
    if (value === undefined || value === "") problems.push(`--${name} is required`);
    return value ?? "";
  };
  const named = (name: string, schema: typeof serviceNameSchema, value: string): string => {
    const result = schema.safeParse(value);
    if (value && !result.success) problems.push(`--${name} "${value}" ${result.error.issues[0]?.message ?? "is invalid"}`);
    return value;
  };
  const port = (name: string, fallback?: number): number => {
    const text = values[name];
    if (text === undefined) {
      if (fallback === undefined) problems.push(`--${name} is required`);
      return fallback ?? 0;
    }
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < 1 || value > 65535) problems.push(`--${name} "${text}" must be a port number from 1 to 65535`);
    return value;
  };

  const service = named("service", serviceNameSchema, required("service"));
  const version = named("version", versionSchema, required("version"));
  const appPort = port("app-port");
  const inboundPort = port("inbound-port", 15006);
  const outboundPort = port("outbound-port", 15001);
  const adminPort = port("admin-port", 15000);
  const joinToken = readJoinToken(values, env, problems);
  const controlPlane = values["control-plane"] ?? env.MESH_CONTROL_PLANE ?? "http://127.0.0.1:4000";
  if (!URL.canParse(controlPlane) || !/^https?:$/.test(new URL(controlPlane).protocol)) {
    problems.push(`--control-plane "${controlPlane}" must be an http(s) URL like http://127.0.0.1:4000`);
  }
  const ports = { "app-port": appPort, "inbound-port": inboundPort, "outbound-port": outboundPort, "admin-port": adminPort };
  const seen = new Map<number, string>();
  for (const [name, value] of Object.entries(ports)) {
    if (seen.has(value)) problems.push(`--${name} and --${seen.get(value)} are both ${value}; each needs its own port`);
    seen.set(value, name);
  }
  if (problems.length) throw new FlagError(problems.join("\n"));

  return {
    service,
    version,
    appPort,
    inboundPort,
    outboundPort,
    adminPort,
    controlPlane,
    joinToken,
    dataDir: path.resolve(values["data-dir"] ?? path.join(".mesh", "agents", `${service}-${version}-${inboundPort}`)),
    advertiseAddress: values["advertise-address"] ?? firstNonLoopbackIPv4() ?? "127.0.0.1",
  };
}

/**
 * The join token from --join-token-file, else MESH_JOIN_TOKEN; never from argv, where every user of the host reads it
 * (ps, /proc/PID/cmdline). A token given as --join-token is refused, saying what to use instead.
 */
function readJoinToken(values: Record<string, string | undefined>, env: NodeJS.ProcessEnv, problems: string[]): string | null {
  if (values["join-token"] !== undefined) {
    problems.push(
      "--join-token is refused: a token on the command line is readable by every user of this host (ps, /proc/PID/cmdline); " +
        "put it in a file readable only by the agent and pass --join-token-file FILE, or set MESH_JOIN_TOKEN",
    );
    return null;
  }
  const file = values["join-token-file"];
  if (file === undefined) return env.MESH_JOIN_TOKEN?.trim() || null;
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (error) {
    problems.push(`--join-token-file "${file}" cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return null;
  }
  if (!text) problems.push(`--join-token-file "${file}" is empty; it must hold the join token`);
  return text || null;
}

function firstNonLoopbackIPv4(): string | null {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4" && !address.internal) return address.address;
    }
  }
  return null;
}
