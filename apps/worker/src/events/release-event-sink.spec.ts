import { describe, expect, it } from 'vitest';
import { type AnsibleEventHead, SecretMasker, type StorableAnsibleEvent } from '@slipway/ansible';
import { RetryBudgetExhaustedError } from '@slipway/db';
import { waitFor } from '../../../../test/support/wait-for.js';
import { MAX_BUFFERED_EVENTS, ReleaseEventSink } from './release-event-sink.js';

const line = (seq: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, seq, t: Date.now(), type: 'task_start', taskId: 't', task: `task ${seq}`, action: 'debug', path: 'p:1', tags: [], handler: false, ...extra });

class FakeTarget {
  stored: StorableAnsibleEvent[][] = [];
  announced: number[] = [];
  notKept = 0;
  failNext = 0;
  gate: Promise<void> | null = null;
  async store(events: StorableAnsibleEvent[]) {
    if (this.gate) await this.gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new RetryBudgetExhaustedError('append events', 3, new Error('gone'));
    }
    this.stored.push(events);
  }
  announce(events: AnsibleEventHead[]) {
    this.announced.push(...events.map((e) => e.seq));
  }
  async recordNotKept(total: number) {
    this.notKept = total;
  }
}

describe('ReleaseEventSink', () => {
  it('masks every event before it is stored or announced, and stores in order once', async () => {
    const target = new FakeTarget();
    const sink = new ReleaseEventSink(1, new SecretMasker(['hunter2']), target);
    void sink.push(line(1, { task: 'say hunter2' }));
    void sink.push(line(2));
    void sink.push(line(2)); // a line seen twice is one event
    void sink.push('{"v":1,"seq":3,"t":1,"type":"task_st'); // torn
    await sink.drain();
    const all = target.stored.flat();
    expect(all.map((e) => e.head.seq)).toEqual([1, 2]);
    expect(JSON.stringify(all)).not.toContain('hunter2');
    expect(target.announced).toEqual([1, 2]);
  });

  it('never puts a hole inside a batch', async () => {
    const target = new FakeTarget();
    const sink = new ReleaseEventSink(1, new SecretMasker([]), target);
    for (const seq of [1, 2, 4, 5]) void sink.push(line(seq));
    await sink.drain();
    expect(target.stored.map((b) => b.map((e) => e.head.seq))).toEqual([[1, 2], [4, 5]]);
  });

  it('counts a batch the DB would not take as not kept, with what the plugin could not keep', async () => {
    const target = new FakeTarget();
    target.failNext = 1;
    const sink = new ReleaseEventSink(1, new SecretMasker([]), target);
    void sink.push(line(1));
    void sink.push(line(2));
    await waitFor('first batch tried', () => target.failNext === 0, { timeoutMs: 5_000, intervalMs: 5 });
    void sink.push(JSON.stringify({ v: 1, seq: 3, t: 1, type: 'stats', hosts: {}, notKept: 7 }));
    await sink.drain();
    expect(target.stored.flat().map((e) => e.head.seq)).toEqual([3]);
    expect(sink.notKept).toBe(9);
    expect(target.notKept).toBe(9);
  });

  it('holds reading back at its bound while the DB is slow, and loses nothing', async () => {
    const target = new FakeTarget();
    let open!: () => void;
    target.gate = new Promise((resolve) => (open = resolve));
    const sink = new ReleaseEventSink(1, new SecretMasker([]), target);
    let paused: Promise<void> | null = null;
    let seq = 0;
    while (!paused && seq < MAX_BUFFERED_EVENTS * 2) paused = sink.push(line(++seq));
    expect(paused).not.toBeNull();
    expect(seq).toBeLessThanOrEqual(MAX_BUFFERED_EVENTS);
    open();
    await paused;
    await sink.drain();
    expect(target.stored.flat()).toHaveLength(seq);
    expect(sink.notKept).toBe(0);
  });
});
