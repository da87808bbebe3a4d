import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventFileTail } from './event-file-tail.js';

describe('EventFileTail', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('joins lines that span several reads, multi-byte characters included, and drops a torn last line', async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-tail-'));
    const file = join(dir, 'events.jsonl');
    // Far past one read (16 KiB): 300 KiB of a 3-byte character, so reads split it mid-character.
    const long = `{"s":"${'€'.repeat(100_000)}"}`;
    appendFileSync(file, `first\n${long}\nlast\ntorn-without-newline`);
    const lines: string[] = [];
    await new EventFileTail(file, (line) => void lines.push(line)).finish();
    expect(lines).toEqual(['first', long, 'last']);
  });

  it('waits while onLine is pending, then goes on in order', async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-tail-'));
    const file = join(dir, 'events.jsonl');
    appendFileSync(file, Array.from({ length: 2_000 }, (_, i) => `line ${i}`).join('\n') + '\n');
    const lines: string[] = [];
    await new EventFileTail(file, (line) => {
      lines.push(line);
      return lines.length % 500 === 0 ? new Promise<void>((resolve) => setImmediate(resolve)) : null;
    }).finish();
    expect(lines).toEqual(Array.from({ length: 2_000 }, (_, i) => `line ${i}`));
  });
});
