import tsconfigPaths from 'vite-tsconfig-paths';
import { defineConfig } from 'vitest/config';

/**
 * `npm run bench` runs the benchmarks through vitest: TypeScript with the repo's path aliases and no
 * extra tooling (Node 20 cannot run .ts itself). They drive the built bundles, like the e2e suites.
 */
export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['bench/**/*.bench.ts'],
    fileParallelism: false,
    testTimeout: 60 * 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // Tables go straight to stdout as they are produced.
    disableConsoleIntercept: true,
  },
});
