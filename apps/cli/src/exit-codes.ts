/** What `slipway … --wait` exits with, so a CI job can trust it. */
export const EXIT = {
  succeeded: 0,
  failed: 1,
  /** cancelled or interrupted: the playbook did not run to its end. */
  stopped: 2,
  /** usage, authentication or connection error: Slipway did not tell us an outcome. */
  error: 3,
  /** rejected or expired: its approval was refused or never came, so it never ran. */
  notApproved: 4,
} as const;

export function exitCodeForStatus(status: string): number {
  if (status === 'succeeded') return EXIT.succeeded;
  if (status === 'failed') return EXIT.failed;
  if (status === 'rejected' || status === 'expired') return EXIT.notApproved;
  return EXIT.stopped;
}

/** An error the CLI reports in one line and exits 3 for. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
  }
}
