import { z } from "zod";

/** Service and resource names: DNS labels, so they are safe in hostnames, SPIFFE IDs and URLs. */
export const serviceNameSchema = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(63, { error: "must be at most 63 characters" })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: "must be lowercase letters, digits and '-', starting and ending with a letter or digit",
  });

export const versionSchema = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(63, { error: "must be at most 63 characters" })
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, { error: "must be letters, digits, '-', '_' or '.'" });

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"] as const;
export const httpMethodSchema = z.enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(", ")}` });
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Methods that are safe to retry without the policy saying so (RFC 9110 §9.2.2). */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

export function spiffeId(trustDomain: string, service: string): string {
  return `spiffe://${trustDomain}/service/${service}`;
}

/** The service name in a SPIFFE ID of this mesh, or null when the ID is not one of ours. */
export function serviceFromSpiffeId(trustDomain: string, id: string): string | null {
  const prefix = `spiffe://${trustDomain}/service/`;
  if (!id.startsWith(prefix)) return null;
  const name = id.slice(prefix.length);
  return serviceNameSchema.safeParse(name).success ? name : null;
}
