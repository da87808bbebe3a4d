import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stripAnsi } from './ansi.js';
import { type HostRecap, RecapParser, parsePlayRecap } from './recap.js';

// Real ansible-core 2.14 output: five hosts, one unreachable (exit code 4), with and without colours.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const COLOR = fixture('multi-host-recap.color.txt');
const PLAIN = fixture('multi-host-recap.plain.txt');

const recap = (counts: Partial<HostRecap>): HostRecap => ({
  ok: 0,
  changed: 0,
  unreachable: 0,
  failed: 0,
  skipped: 0,
  rescued: 0,
  ignored: 0,
  ...counts,
});

const EXPECTED = {
  '10.0.0.5': recap({ ok: 2, skipped: 3, rescued: 1 }),
  'a-really-long-hostname-that-exceeds-the-column.example.internal': recap({ ok: 1, failed: 1, skipped: 3 }),
  'db_primary-2': recap({ unreachable: 1 }),
  localhost: recap({ ok: 2, changed: 1, skipped: 3, ignored: 1 }),
  'web-1.example.com': recap({ ok: 2, changed: 1, skipped: 3 }),
};

describe('parsePlayRecap', () => {
  it('parses a real captured output', () => {
    expect(parsePlayRecap(PLAIN)).toEqual(EXPECTED);
  });

  it('parses the same output with ANSI colours', () => {
    expect(COLOR).toContain('\x1b[0;32mok=2   \x1b[0m');
    expect(parsePlayRecap(COLOR)).toEqual(EXPECTED);
  });

  it('returns nothing when there is no recap', () => {
    expect(parsePlayRecap('ERROR! the playbook: x.yml could not be found\n')).toEqual({});
  });

  it('does not take host-like lines outside the recap', () => {
    const text = 'fake : ok=1 changed=0\n\nPLAY RECAP ***\nreal : ok=1 changed=0\n\nother text\nlate : ok=5 changed=5\n';
    expect(Object.keys(parsePlayRecap(text))).toEqual(['real']);
  });
});

describe('RecapParser', () => {
  it('works line by line as output streams in', () => {
    const parser = new RecapParser();
    const lines = COLOR.split('\n');
    for (const line of lines) parser.push(line);
    expect(parser.hasRecap).toBe(true);
    expect(parser.result).toEqual(EXPECTED);
  });

  it('handles CRLF and carriage-return overwrites', () => {
    const parser = new RecapParser();
    parser.push('PLAY RECAP *****\r');
    parser.push('progress 50%\rlocalhost                  : ok=2    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   \r');
    expect(parser.result).toEqual({ localhost: recap({ ok: 2, changed: 1 }) });
  });

  it('keeps only the latest recap', () => {
    const parser = new RecapParser();
    parser.push('PLAY RECAP ***\nold : ok=1 failed=0\n');
    parser.push('PLAY RECAP ***\nnew : ok=3 failed=1\n');
    expect(parser.result).toEqual({ new: recap({ ok: 3, failed: 1 }) });
  });

  it('reports no recap before the header', () => {
    expect(new RecapParser().hasRecap).toBe(false);
  });
});

describe('stripAnsi', () => {
  it('removes colour, cursor and OSC sequences', () => {
    expect(stripAnsi('\x1b[0;32mok\x1b[0m \x1b[1;35mx\x1b[0m\x1b[2K\x1b]0;title\x07!')).toBe('ok x!');
  });
});
