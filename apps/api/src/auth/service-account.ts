import { readFileSync } from "node:fs";
import { TRPCError } from "@trpc/server";
import { callKubernetes, type KubernetesApi } from "../inject/ca-bundle.ts";
import type { JoinGrant } from "./join-attestation.ts";

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([a-z0-9]([-a-z0-9]*[a-z0-9])?):([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/;

/**
 * Kubernetes attestation: an agent presents its pod's projected ServiceAccount token (audience `audience`) as its
 * join token; the Kubernetes API's TokenReview says whose it is, and ServiceAccount NAME (any namespace) may register
 * service NAME only. A pod can therefore be only the service its ServiceAccount names, whatever its labels say.
 */
export interface ServiceAccountAttestation {
  api: KubernetesApi;
  audience: string;
}

/** A JWT (header.payload.signature, base64url): what a ServiceAccount token looks like, unlike the mesh's own `mesh_…` tokens. */
export function looksLikeServiceAccountToken(token: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);
}

/** What TokenReview says the token may register, or null when it is not a live ServiceAccount token for `audience`. */
export async function reviewServiceAccountToken(attestation: ServiceAccountAttestation, token: string): Promise<JoinGrant | null> {
  let review: { status?: { authenticated?: boolean; user?: { username?: string }; audiences?: string[] } };
  try {
    review = (await callKubernetes(attestation.api, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      spec: { token, audiences: [attestation.audience] },
    })) as typeof review;
  } catch (error) {
    // No `cause`: a refused connection there must not read as the database being down (db/unavailable.ts looks at causes).
    throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: `cannot check the ServiceAccount token: the Kubernetes API's TokenReview failed (${(error as Error).message})` });
  }
  const status = review.status;
  if (!status?.authenticated || !(status.audiences ?? []).includes(attestation.audience)) return null;
  const match = SERVICE_ACCOUNT_USER.exec(status.user?.username ?? "");
  if (!match) return null;
  const [namespace, name] = [match[1]!, match[3]!];
  return { service: name, attestation: `k8s-serviceaccount ${namespace}/${name}`, holder: `ServiceAccount ${namespace}/${name}` };
}

/**
 * MESH_SERVICEACCOUNT_AUDIENCE (e.g. "mesh") turns Kubernetes attestation on; the control plane then reaches the
 * Kubernetes API as its own pod (KUBERNETES_SERVICE_HOST, its ServiceAccount token and CA) and needs RBAC to create
 * tokenreviews (ClusterRole system:auth-delegator).
 */
export function serviceAccountAttestationFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceAccountAttestation | null {
  const audience = env.MESH_SERVICEACCOUNT_AUDIENCE?.trim();
  if (!audience) return null;
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) throw new Error("MESH_SERVICEACCOUNT_AUDIENCE is set but KUBERNETES_SERVICE_HOST is not: ServiceAccount attestation works only inside a Kubernetes cluster");
  const url = `https://${host.includes(":") ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT || "443"}`;
  try {
    const token = readFileSync(`${SERVICE_ACCOUNT_DIR}/token`, "utf8").trim();
    const caPem = readFileSync(`${SERVICE_ACCOUNT_DIR}/ca.crt`, "utf8");
    return { api: { url, token, caPem }, audience };
  } catch (error) {
    throw new Error(`MESH_SERVICEACCOUNT_AUDIENCE is set but the control plane's ServiceAccount token is unreadable (${(error as Error).message}); mount it`);
  }
}
