/** The parts of admission.k8s.io/v1 AdmissionReview and core/v1 Pod the injector reads or writes. */

export interface AdmissionReview {
  apiVersion: "admission.k8s.io/v1";
  kind: "AdmissionReview";
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

export interface AdmissionRequest {
  uid: string;
  kind?: { group: string; version: string; kind: string };
  operation?: string;
  namespace?: string;
  name?: string;
  dryRun?: boolean;
  object?: unknown;
}

export interface AdmissionResponse {
  uid: string;
  allowed: true;
  patchType?: "JSONPatch";
  /** base64 of a JSON array of RFC 6902 operations. */
  patch?: string;
  warnings?: string[];
}

export interface JsonPatchOperation {
  op: "add";
  path: string;
  value: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

export interface Container {
  name: string;
  image?: string;
  env?: EnvVar[];
  ports?: { containerPort: number; name?: string; protocol?: string }[];
  [field: string]: unknown;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [field: string]: unknown;
  };
  spec?: {
    containers?: Container[];
    initContainers?: Container[];
    volumes?: { name: string; [field: string]: unknown }[];
    serviceAccountName?: string;
    [field: string]: unknown;
  };
}

/** Reads an AdmissionReview body; a clear error names what is missing, since the API server sent it. */
export function parseAdmissionReview(body: string): AdmissionReview & { request: AdmissionRequest } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new Error(`body is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null) throw new Error("body must be a JSON object (an AdmissionReview)");
  const review = value as Partial<AdmissionReview>;
  if (review.apiVersion !== "admission.k8s.io/v1" || review.kind !== "AdmissionReview") {
    throw new Error(`expected apiVersion admission.k8s.io/v1, kind AdmissionReview; got ${String(review.apiVersion)}, ${String(review.kind)}`);
  }
  if (typeof review.request?.uid !== "string" || review.request.uid === "") throw new Error("request.uid is missing");
  return review as AdmissionReview & { request: AdmissionRequest };
}
