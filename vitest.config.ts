import tsconfigPaths from 'vite-tsconfig-paths';
import { defineConfig } from 'vitest/config';
import SlowestFilesReporter from './test/support/slowest-files-reporter.js';

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    globals: true,
    // The usual output, then the 15 slowest files (issue 20 item 10).
    reporters: ['default', new SlowestFilesReporter()],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts', 'bench/**/*.spec.ts', 'test/chaos/**/*.spec.ts', 'test/support/**/*.spec.ts'],
          testTimeout: 30_000,
          // Projects with different parallelism run one after another, in this order.
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'medium',
          include: ['test/medium/**/*.medium-spec.ts'],
          // Each file has a MariaDB database of its own, so files may run side by side; two at a time on
          // this two-core machine.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          // test/e2e and test/browser, plus *.e2e-spec.ts beside the code: one module against the real program
          // it drives (ansible-playbook, git, the spawner), which the unit tier (fakes only) must not start.
          include: ['test/**/*.e2e-spec.ts', 'libs/**/*.e2e-spec.ts', 'apps/**/*.e2e-spec.ts'],
          // Real MariaDB, Redis, ansible-playbook and child processes: slow by nature, and the machine has
          // two cores, so suites run one file at a time.
          fileParallelism: false,
          sequence: { groupOrder: 2 },
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.chaos-spec.ts'],
          // Random kills and restarts of real processes (test/chaos/): one file at a time, like e2e; each
          // test sets its own timeout from the run's length.
          fileParallelism: false,
          sequence: { groupOrder: 3 },
          testTimeout: 600_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
