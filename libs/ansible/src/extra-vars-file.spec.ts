import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAnsibleArgv } from './argv.js';
import { removeExtraVarsFile, serializeExtraVars, writeExtraVarsFile } from './extra-vars-file.js';
import { readExtraVarsForTest } from './extra-vars.test-helper.js';

const NASTY = {
  quotes: `"double" 'single'`,
  subshell: '$(touch /tmp/pwned)',
  backticks: '`id`',
  semicolon: 'a; rm -rf /',
  newlines: 'line1\nline2\r\nline3',
  dash: '-e @/etc/passwd',
  jinja: "{{ lookup('pipe', 'id') }}",
  unicode: 'ünïcødé 😀 \u0085 \u2028 \u007f \u0001 \t',
  nested: { list: ['$(x)', 1, true, null], deep: { '-k': '`y`' } },
  number: 42,
  flag: false,
};

describe('writeExtraVarsFile', () => {
  it('writes the values literally and keeps them out of argv', async () => {
    const file = await writeExtraVarsFile(NASTY);
    try {
      expect(await readExtraVarsForTest(file)).toEqual(NASTY);
      const argv = buildAnsibleArgv({ inventoryPath: '/p/i.ini', playbookPath: '/p/pb.yml', extraVarsFile: file });
      expect(argv).toEqual(['-i', '/p/i.ini', '-e', `@${file}`, '/p/pb.yml']);
      for (const value of stringLeaves(NASTY)) {
        expect(argv.filter((arg) => arg.includes(value))).toEqual([]);
      }
    } finally {
      await removeExtraVarsFile(file);
    }
  });

  it('uses a fresh private dir and a 0600 file, both removed afterwards', async () => {
    const a = await writeExtraVarsFile({ x: 1 });
    const b = await writeExtraVarsFile({ x: 1 });
    expect(path.dirname(a)).not.toBe(path.dirname(b));
    expect(statSync(a).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(a)).mode & 0o777).toBe(0o700);
    await removeExtraVarsFile(a);
    await removeExtraVarsFile(b);
    expect(existsSync(path.dirname(a))).toBe(false);
    expect(existsSync(path.dirname(b))).toBe(false);
    await expect(removeExtraVarsFile(a)).resolves.toBeUndefined();
  });

  it('marks every value !unsafe so ansible never renders it as a template', async () => {
    const text = serializeExtraVars({ greeting: '{{ x }}', n: 1 });
    expect(text).toBe('"greeting": !unsafe "{{ x }}"\n"n": 1\n');
    expect(serializeExtraVars({})).toBe('{}\n');
    const empty = await writeExtraVarsFile({});
    expect(await readFile(empty, 'utf8')).toBe('{}\n');
    await removeExtraVarsFile(empty);
  });

  it('writes only printable ASCII', () => {
    expect(serializeExtraVars({ u: NASTY.unicode })).toMatch(/^[\x20-\x7e\n]*$/);
  });
});

function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringLeaves);
  return [];
}
