import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/lib/report.js';
import { BENCHES, runBench } from '../../bench/run-benches.js';
import { SMOKE_SIZES } from '../../bench/sizes.js';

/**
 * Issue 7: `npm run bench` at tiny sizes, so the benchmark code keeps working. Figures are printed and
 * checked to be there and to be numbers, never compared with targets (the machine is shared).
 */
describe('bench smoke run', () => {
  const resultsDir = mkdtempSync(join(os.tmpdir(), 'slipway-bench-smoke-'));

  for (const name of BENCHES) {
    it(`${name} measures and prints its figures`, { timeout: 240_000 }, async () => {
      const { result, table } = await runBench(name, SMOKE_SIZES, resultsDir);
      expect(result.figures.length).toBeGreaterThan(0);
      for (const figure of result.figures) {
        expect(table).toContain(figure.figure);
        const numbers = [figure.value, figure.median, figure.p99].filter((v) => v !== undefined);
        if (numbers.length === 0) expect(figure.note, figure.figure).toBeTruthy();
        for (const n of numbers) expect(Number.isFinite(n), `${figure.figure}: ${String(n)}`).toBe(true);
      }
      const written = JSON.parse(readFileSync(join(resultsDir, `${name}.json`), 'utf8')) as BenchResult;
      expect(written.machine.cores).toBeGreaterThan(0);
      expect(written.commit).toBeTruthy();
      expect(written.figures).toEqual(result.figures);
    });
  }
});
