/** Wrong flags or arguments; main prints it with the verb's usage and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A failure the CLI has already phrased for people; main prints it as is and exits 1. */
export class CliError extends Error {
  override name = "CliError";
}

/** The verb has printed everything already (e.g. a denied `mesh check`); only the exit code 1 is left. */
export class SilentFailure extends CliError {
  constructor() {
    super("");
  }
}
