import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import jsonpatch, { type Operation } from "fast-json-patch";
import { parse } from "yaml";
import type { CertificateAuthority } from "../../src/ca/index.ts";

interface WebhookConfiguration {
  metadata: { name: string };
  webhooks: { name: string; clientConfig: { caBundle?: string } }[];
}

export interface FakeKubernetesApi {
  url: string;
  configuration(): WebhookConfiguration;
  /** "METHOD resource/name" of every authenticated request, in order. */
  requests(): string[];
  close(): Promise<void>;
}

/**
 * The Kubernetes API is a boundary we don't own: this stands in for its GET and JSON-patch PATCH of one
 * MutatingWebhookConfiguration, with bearer-token auth, over TLS (certificate for 127.0.0.1 from `authority`).
 */
export async function startFakeKubernetesApi(options: {
  authority: CertificateAuthority;
  token: string;
  configurationYaml: string;
  /** TokenReview: the ServiceAccount tokens this API server issued, each with its user and audiences. */
  serviceAccountTokens?: Record<string, { username: string; audiences: string[] }>;
}): Promise<FakeKubernetesApi> {
  let configuration = parse(options.configurationYaml) as WebhookConfiguration;
  const seen: string[] = [];
  const prefix = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/";
  const { certificatePem, keyPem } = await options.authority.issueServerCertificate(["127.0.0.1"]);

  const server = createServer({ cert: certificatePem, key: keyPem }, async (req, res) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.headers.authorization !== `Bearer ${options.token}`) return send(401, { kind: "Status", code: 401, reason: "Unauthorized" });
    if (req.method === "POST" && req.url === "/apis/authentication.k8s.io/v1/tokenreviews") {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const review = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { spec: { token: string; audiences?: string[] } };
      seen.push("POST tokenreviews");
      const issued = options.serviceAccountTokens?.[review.spec.token];
      // As the real API server: authenticated only when the token is valid for one of the audiences asked for.
      const audiences = issued?.audiences.filter((audience) => (review.spec.audiences ?? []).includes(audience)) ?? [];
      const status = issued && audiences.length ? { authenticated: true, user: { username: issued.username }, audiences } : { authenticated: false, error: "invalid bearer token" };
      return send(201, { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: review.spec, status });
    }
    const name = req.url?.startsWith(prefix) ? decodeURIComponent(req.url.slice(prefix.length)) : null;
    if (name !== configuration.metadata.name) return send(404, { kind: "Status", code: 404, reason: "NotFound" });
    seen.push(`${req.method} mutatingwebhookconfigurations/${name}`);
    if (req.method === "GET") return send(200, configuration);
    if (req.method !== "PATCH" || req.headers["content-type"] !== "application/json-patch+json") return send(415, { kind: "Status", code: 415 });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      const operations = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Operation[];
      configuration = jsonpatch.applyPatch(jsonpatch.deepClone(configuration), operations, true, false).newDocument;
      send(200, configuration);
    } catch (error) {
      send(422, { kind: "Status", code: 422, message: (error as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    configuration: () => configuration,
    requests: () => [...seen],
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
