/**
 * When to renew a certificate: at half its lifetime plus up to `jitterFraction` of it, so agents
 * started together do not all renew at once. Already due (0) when that moment has passed.
 */
export function renewalDelayMs(notBefore: Date, notAfter: Date, now = Date.now(), jitterFraction = 0.1): number {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const renewAt = notBefore.getTime() + lifetime * (0.5 + Math.random() * jitterFraction);
  return Math.max(0, renewAt - now);
}
