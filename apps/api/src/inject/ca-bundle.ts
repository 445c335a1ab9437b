import { request } from "node:https";

/** How to reach the Kubernetes API from inside a pod (its ServiceAccount token and the cluster CA). */
export interface KubernetesApi {
  url: string;
  token: string;
  caPem: string;
}

/**
 * Writes the mesh CA into every webhook of the MutatingWebhookConfiguration, so the API server trusts the
 * injector's certificate. The CA lives in Postgres and is only known at run time, hence not in the YAML.
 * Returns whether anything had to change.
 */
export async function publishCaBundle(api: KubernetesApi, configurationName: string, caPem: string): Promise<boolean> {
  const path = `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(configurationName)}`;
  const current = (await callKubernetes(api, "GET", path)) as { webhooks?: { clientConfig?: { caBundle?: string } }[] };
  const caBundle = Buffer.from(caPem).toString("base64");
  const operations = (current.webhooks ?? []).flatMap((webhook, index) =>
    webhook.clientConfig?.caBundle === caBundle ? [] : [{ op: "add", path: `/webhooks/${index}/clientConfig/caBundle`, value: caBundle }],
  );
  if (operations.length === 0) return false;
  await callKubernetes(api, "PATCH", path, operations);
  return true;
}

/** One Kubernetes API call with the pod's ServiceAccount token; a non-2xx answer rejects, quoting the start of its body. */
export function callKubernetes(api: KubernetesApi, method: "GET" | "PATCH" | "POST", path: string, body?: unknown): Promise<unknown> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, api.url),
      {
        method,
        ca: api.caPem,
        timeout: 10_000,
        headers: {
          authorization: `Bearer ${api.token}`,
          accept: "application/json",
          ...(payload === undefined
            ? {}
            : { "content-type": method === "PATCH" ? "application/json-patch+json" : "application/json", "content-length": Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (!res.statusCode || res.statusCode < 200 || res.statusCode > 299) return reject(new Error(`${method} ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`));
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new Error(`${method} ${path} answered a body that is not JSON`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}
