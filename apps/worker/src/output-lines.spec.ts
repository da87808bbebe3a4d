import { describe, expect, it } from 'vitest';
import { OutputLines } from './output-lines.js';

const feed = (splitter: OutputLines, ...chunks: (string | Buffer)[]) =>
  [...chunks.flatMap((chunk) => splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))), ...splitter.end()];

describe('OutputLines', () => {
  it('splits on newlines across chunks, drops the CR of CRLF, keeps a last line without newline', () => {
    expect(feed(new OutputLines(100), 'one\ntw', 'o\r\nthr', 'ee')).toEqual(['one', 'two', 'three']);
  });

  it('keeps empty lines and a lone CR inside a line (progress output is one line, as execa read it)', () => {
    expect(feed(new OutputLines(100), '\n\na\rb\n')).toEqual(['', '', 'a\rb']);
  });

  it('never splits a UTF-8 character cut between two chunks', () => {
    const bytes = Buffer.from('héllo ✓\n');
    expect(feed(new OutputLines(100), bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9))).toEqual(['héllo ✓']);
  });

  it('cuts a line that keeps growing past the limit to limit + 1 characters and drops the rest of it', () => {
    const splitter = new OutputLines(10);
    const lines = feed(splitter, 'x'.repeat(8), 'y'.repeat(8), 'z'.repeat(1000), 'tail\nnext\n');
    expect(lines).toEqual(['xxxxxxxxyyy', 'next']);
  });

  it('passes a long line that arrives whole (the log sink truncates it)', () => {
    expect(feed(new OutputLines(10), `${'a'.repeat(50)}\n`)).toEqual(['a'.repeat(50)]);
  });
});
