import { describe, expect, it } from 'vitest';
import type { Release } from '@slipway/contracts';
import { ansiSegments, stripAnsi } from './ansi';
import { applyStatus, parseLogEvent, parseStatusEvent } from './release-events';

describe('SSE events', () => {
  it('reads a log event as a one-line batch at its number', () => {
    expect(parseLogEvent('{"seq":7,"text":"ok: [web1]"}')).toEqual({ firstSeq: 7, lines: ['ok: [web1]'] });
    expect(parseLogEvent('{"seq":"7"}')).toBeNull();
    expect(parseLogEvent('not json')).toBeNull();
  });

  it('applies a status event to the release and derives the duration', () => {
    const running = { id: 1, status: 'running', startedAt: '2030-01-01T00:00:00.000Z', finishedAt: null, durationMs: null } as Release;
    const fields = parseStatusEvent('{"id":1,"status":"succeeded","exitCode":0,"finishedAt":"2030-01-01T00:00:05.500Z"}');
    expect(fields).not.toBeNull();
    expect(applyStatus(running, fields ?? {})).toMatchObject({ status: 'succeeded', exitCode: 0, durationMs: 5_500 });
    expect(parseStatusEvent('{"id":1}')).toBeNull();
  });
});

describe('ANSI colours', () => {
  it('turns colour codes into classes and keeps plain lines as they are', () => {
    expect(ansiSegments('plain')).toEqual([{ text: 'plain', className: '' }]);
    expect(ansiSegments('\x1b[0;32mok\x1b[0m then \x1b[1;31mfailed\x1b[0m')).toEqual([
      { text: 'ok', className: 'ansi-green-fg' },
      { text: ' then ', className: '' },
      { text: 'failed', className: 'ansi-red-fg ansi-bold' },
    ]);
    expect(stripAnsi('\x1b[0;33mchanged\x1b[0m')).toBe('changed');
  });
});
