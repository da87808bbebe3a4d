import { describe, expect, it } from 'vitest';
import { SerialBatcher } from './serial-batcher.js';

/** A read the test releases by hand, recording each batch and how many ran at once. */
function controlledRead() {
  const batches: string[][] = [];
  const pending: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const read = (keys: string[]) =>
    new Promise<Map<string, number>>((resolve) => {
      batches.push(keys);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      pending.push(() => {
        inFlight--;
        resolve(new Map(keys.filter((k) => k.startsWith('good')).map((k) => [k, k.length])));
      });
    });
  return { read, batches, release: () => pending.shift()?.(), maxInFlight: () => maxInFlight };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SerialBatcher', () => {
  it('reads at once, then gathers every key asked for meanwhile into the next read; one read at a time', async () => {
    const r = controlledRead();
    const batcher = new SerialBatcher(r.read, null);
    const first = batcher.load('good-1');
    const rest = Array.from({ length: 500 }, (_, i) => batcher.load(i % 2 ? `good-${i}` : `bad-${i}`));
    await tick();
    expect(r.batches).toEqual([['good-1']]);
    r.release();
    await tick();
    expect(r.batches[1]).toHaveLength(200); // MAX_BATCH
    for (let i = 0; i < 3; i++) {
      r.release();
      await tick();
    }
    expect(r.batches.map((b) => b.length)).toEqual([1, 200, 200, 100]);
    expect(r.maxInFlight()).toBe(1);
    expect(await first).toBe(6);
    const values = await Promise.all(rest);
    expect(values[0]).toBeNull();
    expect(values[1]).toBe('good-1'.length);
  });

  it('asks for one key once however many wait for it', async () => {
    const r = controlledRead();
    const batcher = new SerialBatcher(r.read, null);
    void batcher.load('busy');
    const same = [batcher.load('good-x'), batcher.load('good-x'), batcher.load('good-x')];
    await tick();
    r.release();
    await tick();
    expect(r.batches[1]).toEqual(['good-x']);
    r.release();
    expect(await Promise.all(same)).toEqual([6, 6, 6]);
  });

  it('a failed read rejects its batch only; the next batch is read', async () => {
    let calls = 0;
    const batcher = new SerialBatcher(async (keys: string[]) => {
      calls++;
      if (calls === 1) throw new Error('connection lost');
      return new Map(keys.map((k) => [k, 1]));
    }, 0);
    const failed = batcher.load('a');
    const later = batcher.load('b');
    await expect(failed).rejects.toThrow('connection lost');
    await expect(later).resolves.toBe(1);
  });
});
