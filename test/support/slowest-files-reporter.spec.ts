import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TestModule } from 'vitest/node';
import SlowestFilesReporter from './slowest-files-reporter.js';

/** A reported file with only what the reporter reads. */
const file = (name: string, ms: number) =>
  ({
    moduleId: `${process.cwd()}/test/e2e/${name}`,
    project: { name: 'e2e' },
    diagnostic: () => ({ duration: ms, collectDuration: 0, setupDuration: 0, prepareDuration: 0 }),
  }) as unknown as TestModule;

describe('SlowestFilesReporter', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints the 15 slowest files, slowest first, with their seconds and project', () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    const files = Array.from({ length: 20 }, (_, i) => file(`f${i}.e2e-spec.ts`, (i + 1) * 1000));
    new SlowestFilesReporter().onTestRunEnd(files);
    const lines = written.join('').trim().split('\n');
    expect(lines[0]).toBe('Slowest 15 test files:');
    expect(lines).toHaveLength(16);
    expect(lines[1]).toMatch(/^\s+20\.0 s {2}e2e {4}test\/e2e\/f19\.e2e-spec\.ts$/);
    expect(lines[15]).toContain('f5.e2e-spec.ts');
  });
});
