import { describe, expect, it } from 'vitest';
import { decideOutcome } from './release-outcome.js';

const exited = (exitCode: number | null, signal: string | null = null) => ({ exitCode, signal, spawnError: null, lost: null });

describe('decideOutcome', () => {
  it('exit 0 is succeeded', () => {
    expect(decideOutcome(exited(0), null, 'ansible-playbook')).toEqual({ status: 'succeeded', exitCode: 0, reason: null });
  });

  it('a failing host is failed with the code and its meaning', () => {
    const outcome = decideOutcome(exited(2), null, 'ansible-playbook');
    expect(outcome.status).toBe('failed');
    expect(outcome.exitCode).toBe(2);
    expect(outcome.reason).toBe('ansible-playbook exited with code 2 (one or more hosts failed)');
  });

  it('exit 4 names unreachable hosts first (ansible-core sets it for them, and for a parser error)', () => {
    expect(decideOutcome(exited(4), null, 'ansible-playbook').reason).toBe('ansible-playbook exited with code 4 (one or more hosts were unreachable, or a parser error)');
  });

  it('a timeout is failed with the timeout as reason, whatever the exit', () => {
    const outcome = decideOutcome(exited(99), { kind: 'timeout', reason: 'timed out after 600 s' }, 'ansible-playbook');
    expect(outcome).toEqual({ status: 'failed', exitCode: 99, reason: 'timed out after 600 s' });
  });

  it('a cancel is cancelled even if ansible exited 0 in the meantime', () => {
    expect(decideOutcome(exited(0), { kind: 'cancel', reason: 'cancelled by ci' }, 'x').status).toBe('cancelled');
  });

  it('a drain deadline is interrupted with its reason', () => {
    const outcome = decideOutcome(exited(null, 'SIGKILL'), { kind: 'interrupt', reason: 'worker w1 shut down' }, 'x');
    expect(outcome).toEqual({ status: 'interrupted', exitCode: null, reason: 'worker w1 shut down' });
  });

  it('killed by a signal nobody asked for is failed and says which signal', () => {
    expect(decideOutcome(exited(null, 'SIGKILL'), null, 'x').reason).toBe('ansible-playbook was killed by SIGKILL');
  });

  it('a missing executable is failed with how to get it', () => {
    const outcome = decideOutcome({ exitCode: null, signal: null, spawnError: 'spawn nope ENOENT', lost: null }, null, 'nope');
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain('could not start nope');
    expect(outcome.reason).toContain('apt-get install ansible-core');
  });

  it('exec failing inside the run supervisor (exit 127) is failed with how to get ansible', () => {
    const outcome = decideOutcome(exited(127, null), null, 'ansible-playbook');
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain('could not start ansible-playbook (see the log');
  });
});
