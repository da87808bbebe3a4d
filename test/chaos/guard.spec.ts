import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';

// The chaos harness stops a release's whole process group, often with several SIGTERMs in a row (the
// worker's cancel, then its stop). The guard's records must stay valid JSON through that: one CI run
// failed on `"at":,` after a `date` child died inside the guard's trap.

const GUARD = join(import.meta.dirname, '..', 'fixtures', 'chaos', 'guard.sh');
const dir = mkdtempSync(join(tmpdir(), 'slipway-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recordLines(): string[] {
  try {
    return readFileSync(join(dir, 'records.jsonl'), 'utf8').split('\n').filter((line) => line !== '');
  } catch {
    return [];
  }
}

describe('chaos guard records under repeated SIGTERMs to its process group', () => {
  it('writes only whole JSON records with a numeric time', async () => {
    for (let round = 0; round < 25; round += 1) {
      const token = `round${round}`;
      // detached: a process group of its own, as ansible's task processes have under the spawner.
      const guard = spawn('bash', [GUARD, dir, `key${round}`, token, '10000'], { detached: true, stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => guard.once('exit', () => resolve()));
      await waitFor(`the guard of ${token} to start`, () => recordLines().some((line) => line.includes(`"token":"${token}"`)), { timeoutMs: 20_000, intervalMs: 20 });
      // The attack: signals spaced a few ms apart, so some land while the trap is writing its record.
      for (const gapMs of [0, 1, 2, 3, 4, 5, 6]) {
        await delay(gapMs);
        try {
          process.kill(-guard.pid!, 'SIGTERM');
        } catch {
          break; // the group is gone
        }
      }
      await exited;
    }
    const lines = recordLines();
    for (const line of lines) {
      const record = JSON.parse(line) as { at: unknown; event: unknown };
      expect(typeof record.at, line).toBe('number');
    }
    expect(lines.filter((line) => line.includes('"event":"start"'))).toHaveLength(25);
  });
});
