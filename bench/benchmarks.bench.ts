import { describe, it } from 'vitest';
import { writeBenchmarksDoc } from './lib/docs.js';
import { BENCHES, runBench } from './run-benches.js';
import { benchSizes, selected } from './sizes.js';

/**
 * `npm run bench`: every figure of the issue, one after the other (they would skew each other in
 * parallel on two cores). Figures are printed and written to bench/results/, never asserted; a bench
 * fails only when it cannot measure (e.g. a release did not finish).
 */
describe('benchmarks', () => {
  const sizes = benchSizes();
  for (const name of BENCHES.filter(selected)) {
    it(name, async () => {
      await runBench(name, sizes);
    });
  }
  // Always last; `BENCH_ONLY=docs` only regenerates the page from the results already in bench/results/.
  it('docs/benchmarks.md', () => {
    const written = writeBenchmarksDoc();
    process.stdout.write(`\nwrote ${written.join(', ')}\n`);
  });
});
