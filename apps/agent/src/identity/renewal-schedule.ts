/**
 * When to renew a certificate: at half its lifetime plus up to `jitterFraction` of it, so agents
 * started together do not all renew at once. Already due (0) when that moment has passed.
 */
export function renewalDelayMs(notBefore: Date, notAfter: Date, now = Date.now(), jitterFraction = 0.1): number {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const renewAt = notBefore.getTime() + lifetime * (0.5 + Math.random() * jitterFraction);
  return Math.max(0, renewAt - now);
}

/**
 * Test hook: MESH_AGENT_RENEW_EVERY_MS renews the certificate on that period instead of at half-life,
 * so certificate rotation under traffic can be exercised in seconds. Unset in production.
 */
export const RENEW_EVERY_MS_OVERRIDE: number | null = (() => {
  const value = Number(process.env.MESH_AGENT_RENEW_EVERY_MS);
  return Number.isInteger(value) && value > 0 ? value : null;
})();
