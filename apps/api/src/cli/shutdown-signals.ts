const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Runs `shutdown` once, on the first SIGINT/SIGTERM. Later ones are ignored rather than taken as
 * "force quit": tsx relays a terminal's Ctrl-C to the process that already received it.
 */
export function onShutdownSignal(shutdown: (signal: NodeJS.Signals) => void): void {
  let received = false;
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      if (received) return;
      received = true;
      shutdown(signal);
    });
  }
}
