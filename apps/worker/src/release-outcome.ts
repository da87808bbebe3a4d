import type { ProcessExit } from './ansible-process.js';

/** Why a run was stopped early, if it was; decides the final status together with the exit. */
export interface StopRequest {
  kind: 'cancel' | 'timeout' | 'interrupt';
  reason: string;
}

/**
 * What ansible-core 2.14's codes mean, as its code sets them (its manual's table is older): the task
 * queue manager's RUN_FAILED_HOSTS 2, RUN_UNREACHABLE_HOSTS 4 (which the CLI also uses for a parser
 * error), RUN_FAILED_BREAK_PLAY 8; the CLI's 5 (options), 6 (locale), 99 (interrupted), 250 (unexpected).
 */
const ANSIBLE_EXIT_MEANINGS: Record<number, string> = {
  1: 'error',
  2: 'one or more hosts failed',
  4: 'one or more hosts were unreachable, or a parser error',
  5: 'bad or incomplete options',
  6: 'no UTF-8 locale',
  8: 'a play stopped on failures (any_errors_fatal or max_fail_percentage)',
  99: 'interrupted',
  250: 'unexpected error',
};

/** The run supervisor's exit status when exec of ansible-playbook failed (the shell's convention; bin/slipway-spawner.py). */
const EXEC_FAILED = 127;

export interface DecidedOutcome {
  status: 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
  exitCode: number | null;
  reason: string | null;
}

/** Pure: maps how the process ended (and whether we stopped it) to the release's final status. */
export function decideOutcome(exit: ProcessExit, stop: StopRequest | null, bin: string): DecidedOutcome {
  if (exit.spawnError) {
    return {
      status: 'failed',
      exitCode: null,
      reason: `could not start ${bin}: ${exit.spawnError} (install ansible-core: apt-get install ansible-core, or set ANSIBLE_PLAYBOOK_BIN)`,
    };
  }
  if (exit.lost && !stop) return { status: 'failed', exitCode: null, reason: `ansible-playbook was killed: ${exit.lost}` };
  if (stop?.kind === 'cancel') return { status: 'cancelled', exitCode: exit.exitCode, reason: stop.reason };
  if (stop?.kind === 'interrupt') return { status: 'interrupted', exitCode: exit.exitCode, reason: stop.reason };
  if (stop?.kind === 'timeout') return { status: 'failed', exitCode: exit.exitCode, reason: stop.reason };
  if (exit.exitCode === 0) return { status: 'succeeded', exitCode: 0, reason: null };
  if (exit.exitCode === EXEC_FAILED) {
    // The run's supervisor could not exec it; why (not found, argument list too long…) is in the log.
    return {
      status: 'failed',
      exitCode: null,
      reason: `could not start ${bin} (see the log; install ansible-core: apt-get install ansible-core, or set ANSIBLE_PLAYBOOK_BIN)`,
    };
  }
  if (exit.signal) {
    return { status: 'failed', exitCode: exit.exitCode, reason: `ansible-playbook was killed by ${exit.signal}` };
  }
  const meaning = exit.exitCode !== null ? ANSIBLE_EXIT_MEANINGS[exit.exitCode] : undefined;
  return {
    status: 'failed',
    exitCode: exit.exitCode,
    reason: `ansible-playbook exited with code ${exit.exitCode ?? '?'}${meaning ? ` (${meaning})` : ''}`,
  };
}
