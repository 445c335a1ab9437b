import { serviceNameSchema, versionSchema } from "@mesh/shared";
import type { AdmissionRequest, AdmissionReview, Container, EnvVar, JsonPatchOperation, Pod } from "./admission-review.ts";

export const INJECT_ANNOTATION = "mesh.dev/inject";
export const STATUS_ANNOTATION = "mesh.dev/status";
export const AGENT_CONTAINER_NAME = "mesh-agent";
export const AGENT_DATA_VOLUME = "mesh-agent-data";
export const AGENT_TOKEN_VOLUME = "mesh-join-token";
const AGENT_DATA_DIR = "/var/lib/mesh-agent";
const AGENT_TOKEN_DIR = "/var/run/secrets/mesh";
/** The projected ServiceAccount token's lifetime; the kubelet renews it at 80 %. */
const PROJECTED_TOKEN_SECONDS = 24 * 60 * 60;
const DEFAULT_VERSION = "unversioned";
/** For a pod that serves nothing (a Job): the agent needs an app port, and calls to this closed one fail with 502. */
const NO_APP_PORT = 15080;

export interface InjectionOptions {
  agentImage: string;
  /** How agents reach the control plane, e.g. http://mesh-control-plane.mesh-system.svc:4000 */
  controlPlaneUrl: string;
  /** A Secret in the pod's own namespace holding the join token (secretKeyRef cannot cross namespaces). */
  joinTokenSecret: { name: string; key: string };
  /**
   * When set (MESH_SERVICEACCOUNT_AUDIENCE), agents join with their pod's projected ServiceAccount token for this
   * audience instead of the Secret: the control plane's TokenReview lets ServiceAccount NAME register service NAME only.
   */
  serviceAccountAudience?: string;
  ports: { inbound: number; outbound: number; admin: number };
}

export const DEFAULT_AGENT_PORTS: InjectionOptions["ports"] = { inbound: 15006, outbound: 15001, admin: 15000 };

/**
 * The AdmissionReview answer for one request: always allowed; a JSONPatch adding the agent as a native
 * sidecar when the pod should be injected; warnings when something prevented it.
 * The webhook configuration decides which pods reach us (labelled namespace, or opt-in annotation);
 * here a pod is injected unless it opted out or already has the agent.
 */
export function buildInjectionPatch(review: AdmissionReview & { request: AdmissionRequest }, options: InjectionOptions): AdmissionReview {
  const { request } = review;
  const decision = decide(request, options);
  const response: AdmissionReview["response"] = { uid: request.uid, allowed: true };
  if (decision.kind === "inject") {
    response.patchType = "JSONPatch";
    response.patch = Buffer.from(JSON.stringify(decision.patch)).toString("base64");
  }
  if (decision.warnings.length) response.warnings = decision.warnings.map((warning) => `mesh sidecar injector: ${warning}`);
  return { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response };
}

type Decision = { kind: "inject"; patch: JsonPatchOperation[]; warnings: string[] } | { kind: "skip"; warnings: string[] };

function decide(request: AdmissionRequest, options: InjectionOptions): Decision {
  const skip = (...warnings: string[]): Decision => ({ kind: "skip", warnings });
  if (request.kind?.kind !== "Pod" || request.operation !== "CREATE") {
    return skip(`expected a Pod CREATE, got ${request.kind?.kind ?? "no kind"} ${request.operation ?? "no operation"}; nothing injected`);
  }
  const pod = request.object as Pod | undefined;
  const containers = pod?.spec?.containers;
  if (!pod || !Array.isArray(containers) || containers.length === 0) return skip("the Pod has no spec.containers; nothing injected");
  const podName = describePod(pod, request);
  const annotations = pod.metadata?.annotations ?? {};
  if (annotations[INJECT_ANNOTATION] === "false") return skip();
  if (isInjected(pod)) return skip();
  if (pod.spec?.hostNetwork === true) return skip(`${podName} uses the host's network, where the agent's ports would clash between pods; sidecar not injected`);

  const identity = identityFromLabels(pod.metadata?.labels ?? {});
  if ("problem" in identity) return skip(`${podName} ${identity.problem}; sidecar not injected`);

  const reserved = [...Object.values(options.ports), NO_APP_PORT];
  const appPort = containers.flatMap((c) => c.ports ?? []).find((p) => (p.protocol ?? "TCP") === "TCP")?.containerPort;
  if (appPort !== undefined && reserved.includes(appPort)) return skip(`${podName} uses port ${appPort}, which the agent needs; sidecar not injected`);
  if (containers.some((c) => c.name === AGENT_CONTAINER_NAME) || pod.spec?.volumes?.some((v) => v.name === AGENT_DATA_VOLUME || v.name === AGENT_TOKEN_VOLUME)) {
    return skip(`${podName} already has a container or volume named ${AGENT_CONTAINER_NAME}/${AGENT_DATA_VOLUME}; sidecar not injected`);
  }

  const warnings: string[] = [];
  if (appPort === undefined) warnings.push(`${podName} declares no TCP containerPort; the agent serves its outbound calls, and inbound calls fail (502)`);
  const agent = agentContainer({ ...identity, appPort }, options);
  const patch = [
    ...prepend(pod.spec?.initContainers, "/spec/initContainers", agent),
    ...append(pod.spec?.volumes, "/spec/volumes", { name: AGENT_DATA_VOLUME, emptyDir: {} }),
    ...(options.serviceAccountAudience
      ? [{ op: "add" as const, path: "/spec/volumes/-", value: { name: AGENT_TOKEN_VOLUME, projected: { sources: [{ serviceAccountToken: { audience: options.serviceAccountAudience, expirationSeconds: PROJECTED_TOKEN_SECONDS, path: "token" } }] } } }]
      : []),
    ...containers.flatMap((container, index) => proxyEnv(container, `/spec/containers/${index}/env`, options)),
    ...setEntry(pod.metadata?.annotations, pod.metadata ? "/metadata/annotations" : null, STATUS_ANNOTATION, "injected"),
  ];
  return { kind: "inject", patch, warnings };
}

/** The mesh service and version of a pod, from the usual Kubernetes labels (docs/kubernetes.md, "Identity"). */
function identityFromLabels(labels: Record<string, string>): { service: string; version: string } | { problem: string } {
  const serviceLabel = ["app.kubernetes.io/name", "app"].find((label) => labels[label] !== undefined);
  if (!serviceLabel) return { problem: "has no app.kubernetes.io/name or app label to name its mesh service" };
  const service = serviceNameSchema.safeParse(labels[serviceLabel]);
  if (!service.success) return { problem: `label ${serviceLabel}="${labels[serviceLabel]}" is not a valid service name (${service.error.issues[0]?.message})` };
  const versionLabel = ["app.kubernetes.io/version", "version"].find((label) => labels[label] !== undefined);
  const version = versionSchema.safeParse(versionLabel ? labels[versionLabel] : DEFAULT_VERSION);
  if (!version.success) return { problem: `label ${versionLabel}="${labels[versionLabel!]}" is not a valid version (${version.error.issues[0]?.message})` };
  return { service: service.data, version: version.data };
}

function isInjected(pod: Pod): boolean {
  return pod.metadata?.annotations?.[STATUS_ANNOTATION] === "injected" || (pod.spec?.initContainers ?? []).some((c) => c.name === AGENT_CONTAINER_NAME);
}

function describePod(pod: Pod, request: AdmissionRequest): string {
  const namespace = request.namespace ?? pod.metadata?.namespace ?? "default";
  const name = pod.metadata?.name || request.name || (pod.metadata?.generateName ? `${pod.metadata.generateName}*` : "(unnamed)");
  return `pod ${namespace}/${name}`;
}

function agentContainer(app: { service: string; version: string; appPort: number | undefined }, options: InjectionOptions): Container {
  const { ports } = options;
  // The agent's admin port listens on loopback only, which kubelet's httpGet cannot reach; the image has node.
  const probe = (path: string) => ({
    exec: { command: ["node", "-e", `fetch("http://127.0.0.1:${ports.admin}${path}").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`] },
    timeoutSeconds: 3,
  });
  return {
    name: AGENT_CONTAINER_NAME,
    image: options.agentImage,
    imagePullPolicy: "IfNotPresent",
    // Native sidecar: starts before the app containers, and stops once they have finished (Jobs complete).
    restartPolicy: "Always",
    command: ["mesh-agent"],
    args: [
      `--service=${app.service}`,
      `--version=${app.version}`,
      `--app-port=${app.appPort ?? NO_APP_PORT}`,
      `--inbound-port=${ports.inbound}`,
      `--outbound-port=${ports.outbound}`,
      `--admin-port=${ports.admin}`,
      `--control-plane=${options.controlPlaneUrl}`,
      "--advertise-address=$(POD_IP)",
      `--data-dir=${AGENT_DATA_DIR}`,
      ...(options.serviceAccountAudience ? [`--join-token-file=${AGENT_TOKEN_DIR}/token`] : []),
    ],
    env: [
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      ...(options.serviceAccountAudience ? [] : [{ name: "MESH_JOIN_TOKEN", valueFrom: { secretKeyRef: { name: options.joinTokenSecret.name, key: options.joinTokenSecret.key } } }]),
      // The root filesystem is read-only; the data volume is the one writable place.
      { name: "TMPDIR", value: AGENT_DATA_DIR },
    ],
    ports: [
      { name: "mesh-inbound", containerPort: ports.inbound, protocol: "TCP" },
      { name: "mesh-admin", containerPort: ports.admin, protocol: "TCP" },
    ],
    // The app starts only once the agent has its config and certificate.
    startupProbe: { ...probe("/ready"), periodSeconds: 1, failureThreshold: 120 },
    readinessProbe: { ...probe("/ready"), periodSeconds: 10, failureThreshold: 3 },
    livenessProbe: { ...probe("/healthz"), periodSeconds: 20, failureThreshold: 3 },
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1337,
      runAsGroup: 1337,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [
      { name: AGENT_DATA_VOLUME, mountPath: AGENT_DATA_DIR },
      ...(options.serviceAccountAudience ? [{ name: AGENT_TOKEN_VOLUME, mountPath: AGENT_TOKEN_DIR, readOnly: true }] : []),
    ],
  };
}

/** HTTP_PROXY for the app, so its plain `http://<service>/…` calls go through the agent; variables it sets itself win. */
function proxyEnv(container: Container, path: string, options: InjectionOptions): JsonPatchOperation[] {
  const proxy = `http://127.0.0.1:${options.ports.outbound}`;
  // Cluster DNS names and loopback bypass the agent: mesh services are addressed by their bare mesh name.
  const noProxy = "localhost,127.0.0.1,::1,.svc,.cluster.local,kubernetes.default";
  const wanted: EnvVar[] = [
    { name: "HTTP_PROXY", value: proxy },
    { name: "http_proxy", value: proxy },
    { name: "NO_PROXY", value: noProxy },
    { name: "no_proxy", value: noProxy },
  ];
  const existing = new Set((container.env ?? []).map((e) => e.name));
  const missing = wanted.filter((e) => !existing.has(e.name));
  if (missing.length === 0) return [];
  if (!container.env) return [{ op: "add", path, value: missing }];
  return missing.map((value) => ({ op: "add", path: `${path}/-`, value }));
}

function prepend(list: unknown[] | undefined, path: string, value: unknown): JsonPatchOperation[] {
  return [list ? { op: "add", path: `${path}/0`, value } : { op: "add", path, value: [value] }];
}

function append(list: unknown[] | undefined, path: string, value: unknown): JsonPatchOperation[] {
  return [list ? { op: "add", path: `${path}/-`, value } : { op: "add", path, value: [value] }];
}

function setEntry(map: Record<string, string> | undefined, path: string | null, key: string, value: string): JsonPatchOperation[] {
  if (path === null) return [{ op: "add", path: "/metadata", value: { annotations: { [key]: value } } }];
  if (!map) return [{ op: "add", path, value: { [key]: value } }];
  return [{ op: "add", path: `${path}/${escapePointer(key)}`, value }];
}

function escapePointer(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}
