import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import * as admissionregistrationV1 from "kubernetes-models/admissionregistration.k8s.io/v1";
import * as appsV1 from "kubernetes-models/apps/v1";
import * as policyV1 from "kubernetes-models/policy/v1";
import * as rbacV1 from "kubernetes-models/rbac.authorization.k8s.io/v1";
import * as coreV1 from "kubernetes-models/v1";
import { REPO_ROOT } from "@mesh/testkit";

const DIRECTORY = join(REPO_ROOT, "deploy/kubernetes");
/** Created by the person installing (random tokens), so deliberately not in the YAML: docs/kubernetes.md. */
const USER_CREATED_SECRETS = ["mesh-tokens"];

interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: unknown): { validate(): void };
}

const MODELS = new Map<string, ModelClass>(
  [coreV1, appsV1, policyV1, rbacV1, admissionregistrationV1]
    .flatMap((module) => Object.values(module) as unknown[])
    .filter((value): value is ModelClass => typeof value === "function" && typeof (value as Partial<ModelClass>).kind === "string")
    .map((model) => [`${model.apiVersion}/${model.kind}`, model]),
);

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: any;
}

const yamlFiles = readdirSync(DIRECTORY).filter((file) => file.endsWith(".yaml")).sort();
const manifestFiles = yamlFiles.filter((file) => file !== "kustomization.yaml");
const manifests: Manifest[] = manifestFiles.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIRECTORY, file), "utf8")).map((document) => {
    if (document.errors.length) throw new Error(`${file}: ${document.errors.map((e) => e.message).join("; ")}`);
    return { file, ...document.toJSON() } as Manifest;
  }),
);
const named = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
const workloads = manifests.filter((m) => m.kind === "Deployment" || m.kind === "StatefulSet");
const podSpecs = workloads.map((w) => ({ workload: `${w.kind} ${w.metadata.name}`, labels: w.spec.template.metadata.labels as Record<string, string>, spec: w.spec.template.spec }));
const containers = podSpecs.flatMap(({ workload, spec }) => [...(spec.initContainers ?? []), ...spec.containers].map((container: any) => ({ workload, pod: spec, container })));
const ofEach = <T extends { workload: string }>(items: T[], label: (item: T) => string) => items.map((item) => [label(item), item] as const);

describe("deploy/kubernetes", () => {
  it("holds the namespace, control plane, dashboard, database Secret, trial PostgreSQL, RBAC and the injection webhook", () => {
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual(
      expect.arrayContaining([
        "Namespace/mesh-system",
        "Deployment/mesh-control-plane",
        "Service/mesh-control-plane",
        "Deployment/mesh-dashboard",
        "Service/mesh-dashboard",
        "Secret/mesh-database",
        "StatefulSet/mesh-postgres",
        "ServiceAccount/mesh-control-plane",
        "ClusterRole/mesh-sidecar-injector-ca-bundle",
        "ClusterRoleBinding/mesh-sidecar-injector-ca-bundle",
        "MutatingWebhookConfiguration/mesh-sidecar-injector",
      ]),
    );
    expect(named("Secret", "mesh-database")?.stringData.DATABASE_URL).toMatch(/^postgresql:\/\//);
  });

  it("lists every manifest file in kustomization.yaml", () => {
    const kustomization = parse(readFileSync(join(DIRECTORY, "kustomization.yaml"), "utf8")) as { kind: string; resources: string[] };
    expect(kustomization.kind).toBe("Kustomization");
    expect([...kustomization.resources].sort()).toEqual(manifestFiles);
  });

  it.each(manifests.map((m) => [`${m.file}: ${m.kind}/${m.metadata.name}`, m] as const))("%s is valid against the Kubernetes schema", (_, manifest) => {
    const Model = MODELS.get(`${manifest.apiVersion}/${manifest.kind}`);
    if (!Model) throw new Error(`${manifest.file}: no Kubernetes schema for apiVersion ${manifest.apiVersion}, kind ${manifest.kind}`);
    const { file: _file, ...object } = manifest;
    expect(() => new Model(object).validate()).not.toThrow();
  });

  it("puts every namespaced object in mesh-system", () => {
    const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration"]);
    for (const m of manifests.filter((m) => !clusterScoped.has(m.kind))) expect(`${m.kind}/${m.metadata.name}: ${m.metadata.namespace}`).toBe(`${m.kind}/${m.metadata.name}: mesh-system`);
  });

  it.each(manifests.filter((m) => m.kind === "Deployment").map((d) => [d.metadata.name, d] as const))("Deployment %s runs several replicas", (_, deployment) => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
  });

  it.each(ofEach(containers, (c) => `${c.workload} container ${c.container.name}`))("%s has probes, resource requests, runs as non-root on a read-only root filesystem", (_, { pod, container }) => {
    expect(container.readinessProbe).toBeDefined();
    expect(container.livenessProbe).toBeDefined();
    expect(container.resources?.requests?.cpu).toBeDefined();
    expect(container.resources?.requests?.memory).toBeDefined();
    expect(container.resources?.limits?.memory).toBeDefined();
    expect(container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot).toBe(true);
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext?.capabilities?.drop).toEqual(["ALL"]);
    expect(pod.securityContext?.seccompProfile?.type).toBe("RuntimeDefault");
  });

  it.each(manifests.filter((m) => m.kind === "Service").map((s) => [s.metadata.name, s] as const))("Service %s selects a workload and targets ports it declares", (_, service) => {
    const selector = service.spec.selector as Record<string, string>;
    const target = podSpecs.find(({ labels }) => Object.entries(selector).every(([key, value]) => labels[key] === value));
    expect(target, `no workload has labels ${JSON.stringify(selector)}`).toBeDefined();
    const declared = target!.spec.containers.flatMap((c: any) => c.ports ?? []).map((p: any) => p.name);
    for (const port of service.spec.ports) expect(declared).toContain(port.targetPort);
  });

  it("references only Secrets and ServiceAccounts it defines (or the one the installer creates)", () => {
    const secrets = new Set<string>();
    for (const { container } of containers) {
      for (const env of container.env ?? []) if (env.valueFrom?.secretKeyRef) secrets.add(env.valueFrom.secretKeyRef.name);
      for (const from of container.envFrom ?? []) if (from.secretRef) secrets.add(from.secretRef.name);
    }
    expect([...secrets].filter((name) => !named("Secret", name)).sort()).toEqual(USER_CREATED_SECRETS);
    for (const { workload, spec } of podSpecs) {
      if (spec.serviceAccountName) expect(named("ServiceAccount", spec.serviceAccountName), `${workload} ServiceAccount`).toBeDefined();
    }
  });

  it("wires the webhook to the control plane's HTTPS port, never blocking pods, and lets the control plane publish its caBundle", () => {
    const configuration = named("MutatingWebhookConfiguration", "mesh-sidecar-injector")!;
    const controlPlane = named("Deployment", "mesh-control-plane")!.spec.template.spec.containers[0];
    const envValue = (name: string) => controlPlane.env.find((e: any) => e.name === name)?.value;
    const service = named("Service", "mesh-control-plane")!;

    expect(configuration.webhooks.length).toBe(2);
    for (const webhook of configuration.webhooks) {
      expect(webhook).toMatchObject({ failurePolicy: "Ignore", sideEffects: "None", admissionReviewVersions: ["v1"] });
      expect(webhook.clientConfig.caBundle).toBeUndefined();
      const { name, namespace, path, port } = webhook.clientConfig.service;
      expect({ name, namespace, path }).toEqual({ name: service.metadata.name, namespace: service.metadata.namespace, path: "/inject" });
      const servicePort = service.spec.ports.find((p: any) => p.port === port);
      const containerPort = controlPlane.ports.find((p: any) => p.name === servicePort?.targetPort);
      expect(String(containerPort?.containerPort)).toBe(envValue("MESH_WEBHOOK_PORT"));
      expect(webhook.rules).toEqual([{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], scope: "Namespaced" }]);
    }
    expect(configuration.webhooks[1].namespaceSelector.matchExpressions).toContainEqual({
      key: "kubernetes.io/metadata.name",
      operator: "NotIn",
      values: expect.arrayContaining(["kube-system", "mesh-system"]),
    });

    expect(envValue("MESH_WEBHOOK_CONFIGURATION")).toBe(configuration.metadata.name);
    expect(envValue("MESH_WEBHOOK_SERVICE")).toBe(service.metadata.name);
    const role = named("ClusterRole", "mesh-sidecar-injector-ca-bundle")!;
    expect(role.rules).toEqual([
      { apiGroups: ["admissionregistration.k8s.io"], resources: ["mutatingwebhookconfigurations"], resourceNames: [configuration.metadata.name], verbs: ["get", "patch"] },
    ]);
    const binding = named("ClusterRoleBinding", "mesh-sidecar-injector-ca-bundle")!;
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "mesh-control-plane", namespace: "mesh-system" }]);
  });
});
