import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** How many files the end-of-run list shows. */
const SHOWN = 15;

/**
 * Prints the slowest test files at the end of `vitest run` (after the default reporter's summary), so a
 * run that grows slower says where: issue 20 item 10. The time is the file's own (its tests and hooks plus
 * its import and set-up), not the wall time it shared with files running beside it.
 */
export default class SlowestFilesReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const timed = testModules
      .map((module) => {
        const d = module.diagnostic();
        return { file: relative(process.cwd(), module.moduleId), project: module.project.name, ms: d.duration + d.collectDuration + d.setupDuration + d.prepareDuration };
      })
      .sort((a, b) => b.ms - a.ms)
      .slice(0, SHOWN);
    if (timed.length === 0) return;
    const lines = timed.map(({ file, project, ms }) => `${(ms / 1000).toFixed(1).padStart(8)} s  ${project.padEnd(6)} ${file}`);
    process.stdout.write(`\nSlowest ${timed.length} test files:\n${lines.join('\n')}\n`);
  }
}
