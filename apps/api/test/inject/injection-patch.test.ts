import { describe, expect, it } from "vitest";
import { buildInjectionPatch, DEFAULT_AGENT_PORTS, type InjectionOptions } from "../../src/inject/injection-patch.ts";
import type { Container } from "../../src/inject/admission-review.ts";
import { applyToPod, loadReview } from "./load-review.ts";

const options: InjectionOptions = {
  agentImage: "ghcr.io/mesh-dev/mesh:0.1.0",
  controlPlaneUrl: "http://mesh-control-plane.mesh-system.svc:4000",
  joinTokenSecret: { name: "mesh-join-token", key: "token" },
  ports: DEFAULT_AGENT_PORTS,
};

function agentOf(pod: { spec?: { initContainers?: Container[] } }): Container {
  const agent = pod.spec?.initContainers?.[0];
  expect(agent?.name).toBe("mesh-agent");
  return agent!;
}

function env(container: Container, name: string) {
  return container.env?.find((e) => e.name === name);
}

describe("buildInjectionPatch", () => {
  it("with a ServiceAccount audience, gives the agent its pod's projected token as a file instead of the shared Secret", () => {
    const review = loadReview("deployment-pod");
    const pod = applyToPod(review.request.object, buildInjectionPatch(review, { ...options, serviceAccountAudience: "mesh" }));
    const agent = agentOf(pod);
    expect(agent.args).toContain("--join-token-file=/var/run/secrets/mesh/token");
    expect(env(agent, "MESH_JOIN_TOKEN")).toBeUndefined();
    expect(agent.volumeMounts).toEqual([
      { name: "mesh-agent-data", mountPath: "/var/lib/mesh-agent" },
      { name: "mesh-join-token", mountPath: "/var/run/secrets/mesh", readOnly: true },
    ]);
    expect(pod.spec?.volumes?.find((v) => v.name === "mesh-join-token")).toEqual({
      name: "mesh-join-token",
      projected: { sources: [{ serviceAccountToken: { audience: "mesh", expirationSeconds: 86400, path: "token" } }] },
    });
  });

  it("injects a Deployment's pod (generateName, no name) with the agent as a native sidecar that starts first", () => {
    const review = loadReview("deployment-pod");
    const answer = buildInjectionPatch(review, options);

    expect(answer).toMatchObject({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" });
    expect(answer.response).toMatchObject({ uid: "3b8f0e52-6a0d-4c3e-9a51-2f7d1c9e4b10", allowed: true, patchType: "JSONPatch" });
    expect(answer.response?.warnings).toBeUndefined();

    const pod = applyToPod(review.request.object, answer);
    const agent = agentOf(pod);
    expect(agent.restartPolicy).toBe("Always");
    expect(agent.image).toBe(options.agentImage);
    expect(agent.args).toEqual(
      expect.arrayContaining([
        "--service=reviews",
        "--version=v2",
        "--app-port=9080",
        "--inbound-port=15006",
        "--outbound-port=15001",
        "--admin-port=15000",
        "--control-plane=http://mesh-control-plane.mesh-system.svc:4000",
        "--advertise-address=$(POD_IP)",
      ]),
    );
    expect(env(agent, "POD_IP")?.valueFrom).toEqual({ fieldRef: { fieldPath: "status.podIP" } });
    expect(env(agent, "MESH_JOIN_TOKEN")?.valueFrom).toEqual({ secretKeyRef: { name: "mesh-join-token", key: "token" } });
    // The token never appears in the pod spec itself.
    expect(JSON.stringify(pod)).not.toContain("mesh_join_");

    const startup = agent.startupProbe as { exec: { command: string[] } };
    expect(startup.exec.command.join(" ")).toContain("http://127.0.0.1:15000/ready");
    expect((agent.readinessProbe as { exec: { command: string[] } }).exec.command.join(" ")).toContain("/ready");
    expect((agent.livenessProbe as { exec: { command: string[] } }).exec.command.join(" ")).toContain("/healthz");
    expect(agent.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(agent.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) } });
    expect(agent.volumeMounts).toEqual([{ name: "mesh-agent-data", mountPath: "/var/lib/mesh-agent" }]);
    expect(pod.spec?.volumes?.map((v) => v.name)).toEqual(["kube-api-access-x7k2p", "mesh-agent-data"]);

    const app = pod.spec!.containers![0]!;
    expect(app.name).toBe("reviews");
    expect(env(app, "LOG_DIR")?.value).toBe("/tmp/logs");
    expect(env(app, "HTTP_PROXY")?.value).toBe("http://127.0.0.1:15001");
    expect(env(app, "http_proxy")?.value).toBe("http://127.0.0.1:15001");
    expect(env(app, "NO_PROXY")?.value).toContain("localhost");
    expect(pod.metadata?.annotations).toEqual({ "kubectl.kubernetes.io/restartedAt": "2026-11-25T18:02:11Z", "mesh.dev/status": "injected" });
    expect(pod.metadata?.name).toBeUndefined();
    expect(pod.metadata?.generateName).toBe("reviews-v2-7c9d8f6b54-");
  });

  it("injects an opted-in Job pod ahead of its own init container, so the Job can still complete", () => {
    const review = loadReview("job-pod");
    const answer = buildInjectionPatch(review, options);
    expect(answer.response).toMatchObject({ uid: "c41d7a09-58e2-4b6f-a3d0-8e1f6b2c9d77", allowed: true });

    const pod = applyToPod(review.request.object, answer);
    expect(pod.spec?.initContainers?.map((c) => c.name)).toEqual(["mesh-agent", "wait-for-warehouse"]);
    expect(pod.spec?.initContainers?.[1]?.restartPolicy).toBeUndefined();
    expect(pod.spec?.restartPolicy).toBe("Never");
    expect(agentOf(pod).args).toEqual(expect.arrayContaining(["--service=nightly-report", "--version=2026.11.1"]));
    expect(pod.spec?.containers?.[0]?.env?.map((e) => e.name)).toEqual(["HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"]);
    // No containerPort: injected, with a warning that nothing can be called on it.
    expect(answer.response?.warnings).toEqual([expect.stringMatching(/pod reporting\/nightly-report-29402880-\* declares no TCP containerPort/)]);
  });

  it("leaves an already injected pod alone (empty patch, allowed)", () => {
    const review = loadReview("injected-pod");
    const answer = buildInjectionPatch(review, options);
    expect(answer.response).toEqual({ uid: "9e2a4c61-7b3f-4d80-a5e2-6c1b0d9f3e42", allowed: true });
  });

  it("is idempotent: a pod it injected, sent again, gets no second agent", () => {
    const review = loadReview("deployment-pod");
    const injected = applyToPod(review.request.object, buildInjectionPatch(review, options));
    const again = buildInjectionPatch({ ...review, request: { ...review.request, object: injected } }, options);
    expect(again.response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it("respects the opt-out annotation mesh.dev/inject: \"false\"", () => {
    const review = loadReview("opted-out-pod");
    expect(buildInjectionPatch(review, options).response).toEqual({ uid: "17f0b3d8-2e94-4a6c-b1f5-8d7e9c0a2b63", allowed: true });
  });

  it("keeps env the app sets itself and adds only what is missing", () => {
    const review = loadReview("deployment-pod");
    const object = structuredClone(review.request.object) as { spec: { containers: Container[] } };
    object.spec.containers[0]!.env!.push({ name: "NO_PROXY", value: "internal.example.com" });
    const pod = applyToPod(object, buildInjectionPatch({ ...review, request: { ...review.request, object } }, options));
    const app = pod.spec!.containers![0]!;
    expect(app.env?.filter((e) => e.name === "NO_PROXY")).toEqual([{ name: "NO_PROXY", value: "internal.example.com" }]);
    expect(env(app, "HTTP_PROXY")?.value).toBe("http://127.0.0.1:15001");
  });

  it("takes the service and version from the app/version labels when the app.kubernetes.io ones are absent, and defaults the version", () => {
    const review = loadReview("deployment-pod");
    const object = structuredClone(review.request.object) as { metadata: { labels: Record<string, string> } };
    object.metadata.labels = { app: "details" };
    const pod = applyToPod(object, buildInjectionPatch({ ...review, request: { ...review.request, object } }, options));
    expect(agentOf(pod).args).toEqual(expect.arrayContaining(["--service=details", "--version=unversioned"]));
  });

  it("never rejects: a pod without a usable service label is allowed unchanged, with a warning naming the label", () => {
    const review = loadReview("deployment-pod");
    const unlabelled = structuredClone(review.request.object) as { metadata: { labels: Record<string, string> } };
    unlabelled.metadata.labels = { "pod-template-hash": "7c9d8f6b54" };
    const noLabel = buildInjectionPatch({ ...review, request: { ...review.request, object: unlabelled } }, options).response;
    expect(noLabel).toMatchObject({ allowed: true, warnings: [expect.stringContaining("pod bookinfo/reviews-v2-7c9d8f6b54-* has no app.kubernetes.io/name or app label")] });
    expect(noLabel?.patch).toBeUndefined();

    const badName = structuredClone(review.request.object) as { metadata: { labels: Record<string, string> } };
    badName.metadata.labels["app.kubernetes.io/name"] = "Reviews_Service";
    const invalid = buildInjectionPatch({ ...review, request: { ...review.request, object: badName } }, options).response;
    expect(invalid).toMatchObject({ allowed: true, warnings: [expect.stringContaining('label app.kubernetes.io/name="Reviews_Service" is not a valid service name')] });
    expect(invalid?.patch).toBeUndefined();
  });

  it("never rejects: an app on one of the agent's ports or on the host network, or a request that is not a Pod CREATE, is allowed with a warning", () => {
    const review = loadReview("deployment-pod");
    const clash = structuredClone(review.request.object) as { spec: { containers: Container[] } };
    clash.spec.containers[0]!.ports = [{ containerPort: 15001, protocol: "TCP" }];
    const clashAnswer = buildInjectionPatch({ ...review, request: { ...review.request, object: clash } }, options).response;
    expect(clashAnswer).toMatchObject({ allowed: true, warnings: [expect.stringContaining("uses port 15001, which the agent needs")] });
    expect(clashAnswer?.patch).toBeUndefined();

    const hostNetwork = structuredClone(review.request.object) as { spec: { hostNetwork?: boolean } };
    hostNetwork.spec.hostNetwork = true;
    const hostAnswer = buildInjectionPatch({ ...review, request: { ...review.request, object: hostNetwork } }, options).response;
    expect(hostAnswer).toMatchObject({ allowed: true, warnings: [expect.stringContaining("uses the host's network")] });
    expect(hostAnswer?.patch).toBeUndefined();

    const update = buildInjectionPatch({ ...review, request: { ...review.request, operation: "UPDATE" } }, options).response;
    expect(update).toMatchObject({ allowed: true, warnings: [expect.stringContaining("expected a Pod CREATE, got Pod UPDATE")] });
    expect(update?.patch).toBeUndefined();
  });
});
