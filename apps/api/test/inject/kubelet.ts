import { spawn } from "node:child_process";
import { startTsProcess, type RunningProcess } from "@mesh/testkit";
import type { Container } from "../../src/inject/admission-review.ts";

/**
 * Runs an injected container the way the kubelet would, as far as a test without Kubernetes can:
 * env from values, the downward API and Secrets; `$(VAR)` expansion in args; volumes as local dirs;
 * exec probes as processes. Kubernetes itself is the boundary we don't own.
 */
export interface PodRuntime {
  podIP: string;
  podName: string;
  namespace: string;
  secrets: Record<string, Record<string, string>>;
  /** mountPath -> local directory standing in for the volume. */
  volumes: Record<string, string>;
  /** Container command -> repository entry point (e.g. mesh-agent -> apps/agent/src/main.ts). */
  entryPoints: Record<string, string>;
}

interface EnvSource {
  fieldRef?: { fieldPath: string };
  secretKeyRef?: { name: string; key: string };
}

export function containerEnv(container: Container, pod: PodRuntime): Record<string, string> {
  const fields: Record<string, string> = { "status.podIP": pod.podIP, "metadata.name": pod.podName, "metadata.namespace": pod.namespace };
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom as EnvSource | undefined;
    if (variable.value !== undefined) env[variable.name] = localPaths(expand(variable.value, env), pod);
    else if (from?.fieldRef) env[variable.name] = required(fields[from.fieldRef.fieldPath], `field ${from.fieldRef.fieldPath}`);
    else if (from?.secretKeyRef) env[variable.name] = required(pod.secrets[from.secretKeyRef.name]?.[from.secretKeyRef.key], `secret ${from.secretKeyRef.name}/${from.secretKeyRef.key}`);
    else throw new Error(`env ${variable.name}: unsupported source ${JSON.stringify(variable.valueFrom)}`);
  }
  return env;
}

export function startContainer(container: Container, pod: PodRuntime): RunningProcess {
  const [command, ...rest] = (container.command as string[] | undefined) ?? [];
  const entry = pod.entryPoints[command ?? ""];
  if (!entry) throw new Error(`no entry point for command ${command}`);
  const env = containerEnv(container, pod);
  const args = [...rest, ...((container.args as string[] | undefined) ?? [])].map((arg) => localPaths(expand(arg, env), pod));
  return startTsProcess(entry, args, env);
}

/** An exec probe: passes when the command exits 0 within timeoutSeconds. */
export function execProbe(container: Container, probeName: "startupProbe" | "readinessProbe" | "livenessProbe", pod: PodRuntime): Promise<boolean> {
  const probe = container[probeName] as { exec?: { command: string[] }; timeoutSeconds?: number } | undefined;
  const [command, ...args] = probe?.exec?.command ?? [];
  if (command !== "node") throw new Error(`${probeName}: expected an exec probe running node, got ${JSON.stringify(probe)}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...containerEnv(container, pod) }, stdio: "ignore", timeout: (probe?.timeoutSeconds ?? 1) * 1000 });
    child.on("exit", (code) => resolve(code === 0));
    child.on("error", () => resolve(false));
  });
}

/** Kubernetes expands $(VAR) from variables defined earlier; unknown references stay as written. */
function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
}

function localPaths(arg: string, pod: PodRuntime): string {
  return Object.entries(pod.volumes).reduce((text, [mountPath, local]) => text.replaceAll(mountPath, local), arg);
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`${what} is not available to the pod`);
  return value;
}
