/** What a join token lets its holder register, and how `mesh status` names the proof. */
export interface JoinGrant {
  /** The one service this token may register; null = any service (the bootstrap token, or an --any-service token). */
  service: string | null;
  /** Recorded on the instance: "join-token:scoped reviews", "join-token:bootstrap", "join-token:any-service", "k8s-serviceaccount shop/reviews". */
  attestation: string;
  /** Who presented it, when not a join token (a Kubernetes ServiceAccount): named in refusals. */
  holder?: string;
}

export const BOOTSTRAP_JOIN: JoinGrant = { service: null, attestation: "join-token:bootstrap" };

export function joinGrantOf(row: { service: string | null }): JoinGrant {
  return row.service ? { service: row.service, attestation: `join-token:scoped ${row.service}` } : { service: null, attestation: "join-token:any-service" };
}

/** Why `grant` may not register `service`, or null when it may. */
export function joinRefusal(grant: JoinGrant, service: string): string | null {
  if (grant.service === null || grant.service === service) return null;
  if (grant.holder) return `${grant.holder} may register only service "${grant.service}", not "${service}"; run ${service}'s pods under a ServiceAccount named ${service}`;
  return `this join token may register only service "${grant.service}", not "${service}"; create one for "${service}" with \`mesh join-token create --service ${service}\``;
}
