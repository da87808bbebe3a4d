import { HttpStatus } from '@nestjs/common';
import { RetryLaterException } from './retry-later.js';

/** Keys read at once: well below max_allowed_packet, and a read that stays fast. */
const MAX_BATCH = 200;
/** Keys waiting beyond this are refused at once (503), so a flood cannot pile up memory. */
const MAX_WAITING = 20_000;
/** A key that waited this long is refused instead of read: its client has likely given up, and the DB is struggling. */
const MAX_WAIT_MS = 20_000;

interface Waiter<V> {
  since: number;
  resolve(value: V): void;
  reject(error: unknown): void;
}

/**
 * Reads keys in batches, one read at a time: a key asked for while a read is running waits for the next
 * read, which takes every key that has gathered meanwhile (up to MAX_BATCH). So a burst of 2 000 unknown
 * tokens costs a handful of reads on one pooled connection, whatever the burst's shape, and never fills
 * the DB pool or mysql2's queue (which answered 500). Concurrent asks for one key share its read.
 *
 * Hand-written rather than dataloader: dataloader batches per tick and runs batches concurrently; the point
 * here is the opposite (one read in flight, the queue bounded, stale waiters refused with Retry-After).
 */
export class SerialBatcher<K, V> {
  private readonly waiting = new Map<K, Waiter<V>[]>();
  private waiters = 0;
  private reading = false;

  constructor(private readonly read: (keys: K[]) => Promise<Map<K, V>>, private readonly missing: V) {}

  load(key: K): Promise<V> {
    if (this.waiters >= MAX_WAITING) return Promise.reject(overloaded());
    return new Promise<V>((resolve, reject) => {
      const list = this.waiting.get(key) ?? [];
      list.push({ since: Date.now(), resolve, reject });
      this.waiting.set(key, list);
      this.waiters++;
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.reading || this.waiting.size === 0) return;
    this.reading = true;
    const batch = new Map<K, Waiter<V>[]>();
    const now = Date.now();
    for (const [key, list] of this.waiting) {
      if (batch.size >= MAX_BATCH) break;
      this.waiting.delete(key);
      this.waiters -= list.length;
      if (list.every((w) => now - w.since > MAX_WAIT_MS)) list.forEach((w) => w.reject(overloaded()));
      else batch.set(key, list);
    }
    try {
      const found = batch.size > 0 ? await this.read([...batch.keys()]) : new Map<K, V>();
      for (const [key, list] of batch) list.forEach((w) => w.resolve(found.get(key) ?? this.missing));
    } catch (error) {
      for (const list of batch.values()) list.forEach((w) => w.reject(error));
    } finally {
      this.reading = false;
      void this.pump();
    }
  }
}

function overloaded(): RetryLaterException {
  return new RetryLaterException(HttpStatus.SERVICE_UNAVAILABLE, 'too many credential checks at once; try again shortly', 1);
}
