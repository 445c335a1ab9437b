export interface CoalescedTask {
  /** Asks for a run; requests made while one is waiting or running fold into a single next run. */
  request(): void;
  /** Waits for the current run, if any, and stops scheduling new ones. */
  stop(): Promise<void>;
}

/** Runs `task` at most once at a time, `delayMs` after the first request of a burst; retries after `retryMs` when it fails. */
export function coalescedTask(task: () => Promise<void>, { delayMs, retryMs, onError }: { delayMs: number; retryMs: number; onError: (error: unknown) => void }): CoalescedTask {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let requestedWhileRunning = false;
  let stopped = false;

  const schedule = (ms: number) => {
    if (stopped || timer) return;
    timer = setTimeout(run, ms);
  };
  const run = () => {
    timer = undefined;
    running = task()
      .catch((error: unknown) => {
        onError(error);
        requestedWhileRunning = true;
        return "failed" as const;
      })
      .then((outcome) => {
        running = null;
        if (!requestedWhileRunning) return;
        requestedWhileRunning = false;
        schedule(outcome === "failed" ? retryMs : delayMs);
      });
  };

  return {
    request() {
      if (running) requestedWhileRunning = true;
      else schedule(delayMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
