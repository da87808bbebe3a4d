import tsconfigPaths from 'vite-tsconfig-paths';
import { defineConfig } from 'vitest/config';
import { WORKER_NODE_FLAGS } from '../test/support/processes.js';

/**
 * `npm run bench` runs the benchmarks through vitest: TypeScript with the repo's path aliases and no
 * extra tooling (Node 20 cannot run .ts itself). They drive the built bundles, like the e2e suites.
 */
const INGEST_BENCH = 'bench/events/ingest.bench.ts';

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    root: new URL('..', import.meta.url).pathname,
    fileParallelism: false,
    testTimeout: 60 * 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // Tables go straight to stdout as they are produced.
    disableConsoleIntercept: true,
    projects: [
      { extends: true, test: { name: 'benches', include: ['bench/**/*.bench.ts'], exclude: [INGEST_BENCH] } },
      {
        extends: true,
        test: {
          name: 'ingest',
          include: [INGEST_BENCH],
          // The ingest runs the worker's own tail and sink in this process, so it runs under the worker's
          // V8 flags (its young generation and GC are most of the cost): figures without them overstate a
          // real worker by about twice.
          pool: 'forks',
          execArgv: [...WORKER_NODE_FLAGS, ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [])],
        },
      },
    ],
  },
});
