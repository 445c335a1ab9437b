import { describe, expect, it } from "vitest";
import { webhookPortFromEnv, webhookSettingsFromEnv } from "../../src/inject/webhook-settings.ts";

describe("webhook settings from the environment", () => {
  it("defaults to the manifests' Service in mesh-system, and no caBundle publishing outside a cluster", () => {
    const settings = webhookSettingsFromEnv({});
    expect(settings.dnsNames).toEqual(["mesh-control-plane", "mesh-control-plane.mesh-system", "mesh-control-plane.mesh-system.svc", "mesh-control-plane.mesh-system.svc.cluster.local"]);
    expect(settings.injection).toMatchObject({
      controlPlaneUrl: "http://mesh-control-plane.mesh-system.svc:4000",
      joinTokenSecret: { name: "mesh-join-token", key: "token" },
      ports: { inbound: 15006, outbound: 15001, admin: 15000 },
    });
    expect(settings.caBundleTarget).toBeNull();
  });

  it("follows the Service name and namespace it is given", () => {
    const settings = webhookSettingsFromEnv({ MESH_WEBHOOK_SERVICE: "mesh", POD_NAMESPACE: "infra", MESH_AGENT_IMAGE: "registry.local/mesh:1.2.3", MESH_JOIN_TOKEN_SECRET: "join/value" });
    expect(settings.dnsNames).toContain("mesh.infra.svc");
    expect(settings.injection).toMatchObject({ agentImage: "registry.local/mesh:1.2.3", controlPlaneUrl: "http://mesh.infra.svc:4000", joinTokenSecret: { name: "join", key: "value" } });
  });

  it("names what is wrong with a bad secret reference or port", () => {
    expect(() => webhookSettingsFromEnv({ MESH_JOIN_TOKEN_SECRET: "mesh-join-token" })).toThrow('MESH_JOIN_TOKEN_SECRET "mesh-join-token" must be <secret name>/<key>');
    expect(webhookPortFromEnv({})).toBeUndefined();
    expect(webhookPortFromEnv({ MESH_WEBHOOK_PORT: "8443" })).toBe(8443);
    expect(() => webhookPortFromEnv({ MESH_WEBHOOK_PORT: "https" })).toThrow('MESH_WEBHOOK_PORT "https" must be a port number from 0 to 65535');
  });

  it("refuses to guess when it runs in a cluster but cannot read its ServiceAccount token", () => {
    expect(() => webhookSettingsFromEnv({ KUBERNETES_SERVICE_HOST: "10.96.0.1" })).toThrow(/ServiceAccount token is unreadable .*MESH_WEBHOOK_CONFIGURATION=""/);
    expect(webhookSettingsFromEnv({ KUBERNETES_SERVICE_HOST: "10.96.0.1", MESH_WEBHOOK_CONFIGURATION: "" }).caBundleTarget).toBeNull();
  });
});
