import { sampleRss } from './stack.js';

describe('sampleRss', () => {
  it('has a sample even when stopped before its first interval', () => {
    // A smoke-sized bench can finish inside one interval; an empty list made "RSS growth" -Infinity.
    const samples = sampleRss(process.pid, 60_000).stop();
    expect(samples.length).toBeGreaterThanOrEqual(1);
    for (const bytes of samples) expect(bytes).toBeGreaterThan(0);
  });

  it('has no sample of a process that does not exist, and does not throw', () => {
    // Linux's pid_max is at most 2^22, so this pid can never exist.
    expect(sampleRss(2 ** 22 + 1, 60_000).stop()).toEqual([]);
  });
});
