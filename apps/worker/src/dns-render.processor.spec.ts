import { DelayedError, type Job } from 'bullmq';
import type { RenderOutcome, ZoneRenderer } from '@slipway/dns';
import type { DnsRenderJobData } from '@slipway/queue';
import { DnsRenderProcessor } from './dns-render.processor.js';

function setup(outcome: RenderOutcome) {
  const calls: string[] = [];
  const renderer = {
    render: (zoneId: number, version: number) => {
      calls.push(`render ${zoneId} v${version}`);
      return Promise.resolve(outcome);
    },
    removeZone: (name: string) => {
      calls.push(`remove ${name}`);
      return Promise.resolve();
    },
  } as unknown as ZoneRenderer;
  const moved: number[] = [];
  const job = (data: DnsRenderJobData) =>
    ({ data, moveToDelayed: (at: number) => (moved.push(at), Promise.resolve()) }) as unknown as Job<DnsRenderJobData>;
  return { processor: new DnsRenderProcessor(renderer), calls, moved, job };
}

describe('DnsRenderProcessor', () => {
  it('renders the zone of the job at its version', async () => {
    const { processor, calls, job } = setup({ kind: 'rendered', version: 3, serial: 2026120700 });
    await processor.process(job({ zoneId: 7, version: 3 }), 'token');
    expect(calls).toEqual(['render 7 v3']);
  });

  it('comes back later, never alongside, when another render of the zone holds the lease', async () => {
    const { processor, moved, job } = setup({ kind: 'busy' });
    const before = Date.now();
    await expect(processor.process(job({ zoneId: 7, version: 3 }), 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(moved).toHaveLength(1);
    expect(moved[0]).toBeGreaterThan(before);
  });

  it('a refused zone is an outcome, not a job failure (no retry of a file the checker refused)', async () => {
    const { processor, job } = setup({ kind: 'failed', version: 3, message: 'zone example.test/IN: NS has no address records' });
    await expect(processor.process(job({ zoneId: 7, version: 3 }), 'token')).resolves.toBeUndefined();
  });

  it('a deleted zone has its file removed instead of rendered', async () => {
    const { processor, calls, job } = setup({ kind: 'rendered', version: 1, serial: 1 });
    await processor.process(job({ zoneId: 7, version: 4, removedZone: 'example.test' }), 'token');
    expect(calls).toEqual(['remove example.test']);
  });
});
