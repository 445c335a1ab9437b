import { readFileSync } from "node:fs";
import type { KubernetesApi } from "./ca-bundle.ts";
import { DEFAULT_AGENT_PORTS, type InjectionOptions } from "./injection-patch.ts";

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface WebhookSettings {
  /** Names the API server dials (the Service's), written into the webhook's TLS certificate. */
  dnsNames: string[];
  injection: InjectionOptions;
  /** In a cluster: where to publish the mesh CA as the webhook configuration's caBundle. */
  caBundleTarget: { api: KubernetesApi; configurationName: string } | null;
}

/**
 * From the control plane's environment (set in deploy/kubernetes/control-plane.yaml):
 * MESH_WEBHOOK_SERVICE (default mesh-control-plane), POD_NAMESPACE (default mesh-system),
 * MESH_AGENT_IMAGE, MESH_AGENT_CONTROL_PLANE_URL, MESH_JOIN_TOKEN_SECRET (name/key, default mesh-join-token/token),
 * MESH_WEBHOOK_CONFIGURATION (default mesh-sidecar-injector; "" to not publish the caBundle),
 * MESH_SERVICEACCOUNT_AUDIENCE (agents join with a projected ServiceAccount token for it instead of the Secret).
 */
export function webhookSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const service = env.MESH_WEBHOOK_SERVICE || "mesh-control-plane";
  const namespace = env.POD_NAMESPACE || "mesh-system";
  const [secretName, secretKey] = (env.MESH_JOIN_TOKEN_SECRET || "mesh-join-token/token").split("/");
  if (!secretName || !secretKey) throw new Error(`MESH_JOIN_TOKEN_SECRET "${env.MESH_JOIN_TOKEN_SECRET}" must be <secret name>/<key>`);
  return {
    dnsNames: [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`],
    injection: {
      agentImage: env.MESH_AGENT_IMAGE || "ghcr.io/mesh-dev/mesh:latest",
      controlPlaneUrl: env.MESH_AGENT_CONTROL_PLANE_URL || `http://${service}.${namespace}.svc:4000`,
      joinTokenSecret: { name: secretName, key: secretKey },
      ...(env.MESH_SERVICEACCOUNT_AUDIENCE?.trim() ? { serviceAccountAudience: env.MESH_SERVICEACCOUNT_AUDIENCE.trim() } : {}),
      ports: DEFAULT_AGENT_PORTS,
    },
    caBundleTarget: caBundleTargetFromEnv(env),
  };
}

function caBundleTargetFromEnv(env: NodeJS.ProcessEnv): WebhookSettings["caBundleTarget"] {
  const configurationName = env.MESH_WEBHOOK_CONFIGURATION ?? "mesh-sidecar-injector";
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host || !configurationName) return null;
  const url = `https://${host.includes(":") ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT || "443"}`;
  try {
    const token = readFileSync(`${SERVICE_ACCOUNT_DIR}/token`, "utf8").trim();
    const caPem = readFileSync(`${SERVICE_ACCOUNT_DIR}/ca.crt`, "utf8");
    return { api: { url, token, caPem }, configurationName };
  } catch (error) {
    throw new Error(`in a cluster (KUBERNETES_SERVICE_HOST is set) but the ServiceAccount token is unreadable (${(error as Error).message}); mount it, or set MESH_WEBHOOK_CONFIGURATION="" and put the mesh CA into the webhook's caBundle yourself`);
  }
}

/** MESH_WEBHOOK_PORT, or undefined when unset (the webhook is off outside Kubernetes). */
export function webhookPortFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env.MESH_WEBHOOK_PORT;
  if (text === undefined || text === "") return undefined;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`MESH_WEBHOOK_PORT "${text}" must be a port number from 0 to 65535`);
  return port;
}
