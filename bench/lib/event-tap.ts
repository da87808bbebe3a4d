import { Redis } from 'ioredis';
import { nowMs } from './stats.js';

interface Seen {
  firstLine?: string;
  firstLineAt?: number;
  lines: number;
  status?: string;
  finalAt?: number;
  onLine?: (line: string, at: number) => void;
  waiters: (() => void)[];
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

/**
 * Listens to every release's Redis channel (the worker's live events) with one pattern subscription, so a
 * benchmark can wait for "started", "first line" and "finished" without loading the API or the database.
 */
export class ReleaseEventTap {
  private readonly seen = new Map<number, Seen>();

  private constructor(private readonly redis: Redis) {}

  static async open(redisUrl: string, queuePrefix: string): Promise<ReleaseEventTap> {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const tap = new ReleaseEventTap(redis);
    const prefix = `${queuePrefix}:release-events:`;
    redis.on('pmessage', (_pattern: string, channel: string, message: string) => {
      const at = nowMs();
      tap.onEvent(Number(channel.slice(prefix.length)), JSON.parse(message) as { type: string; status?: string; lines?: string[] }, at);
    });
    await redis.psubscribe(`${prefix}*`);
    return tap;
  }

  private entry(id: number): Seen {
    let entry = this.seen.get(id);
    if (!entry) {
      entry = { lines: 0, waiters: [] };
      this.seen.set(id, entry);
    }
    return entry;
  }

  private onEvent(id: number, event: { type: string; status?: string; lines?: string[] }, at: number): void {
    const entry = this.entry(id);
    if (event.type === 'log' && event.lines) {
      if (entry.firstLine === undefined) {
        entry.firstLine = event.lines[0];
        entry.firstLineAt = at;
      }
      entry.lines += event.lines.length;
      if (entry.onLine) for (const line of event.lines) entry.onLine(line, at);
    }
    if (event.type === 'status' && event.status && FINAL.has(event.status)) {
      entry.status = event.status;
      entry.finalAt = at;
      for (const wake of entry.waiters.splice(0)) wake();
    }
  }

  /** Calls `onLine` for every live line of release `id` as it arrives. */
  follow(id: number, onLine: (line: string, at: number) => void): void {
    this.entry(id).onLine = onLine;
  }

  /** Resolves with what was seen once release `id` is final (rejects after `timeoutMs`). */
  finished(id: number, timeoutMs = 120_000): Promise<Omit<Seen, 'waiters' | 'onLine'>> {
    const entry = this.entry(id);
    if (entry.finalAt !== undefined) return Promise.resolve(entry);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`release ${id} did not finish within ${timeoutMs} ms`)), timeoutMs);
      entry.waiters.push(() => {
        clearTimeout(timer);
        resolve(entry);
      });
    });
  }

  close(): void {
    this.redis.disconnect();
  }
}
