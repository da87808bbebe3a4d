import { execFileSync } from 'node:child_process';
import { WHAT_RAN_ROWS, formatArgv, whatRanText } from './what-ran.js';

describe('formatArgv', () => {
  it('leaves plain words as they are and single-quotes the rest', () => {
    expect(formatArgv(['ansible-playbook', '-i', '/srv/inv.ini', '-e', '@/run/x.yml', '--limit=web1:db1'])).toBe(
      'ansible-playbook -i /srv/inv.ini -e @/run/x.yml --limit=web1:db1',
    );
    expect(formatArgv(['--tags=********', "it's", 'a b', ''])).toBe(`'--tags=********' 'it'\\''s' 'a b' ''`);
  });

  it('gives a line a POSIX shell splits back into the same argv', () => {
    const argv = ['ansible-playbook', "quote ' and \\ and $HOME", '*', '--tags=a,b c', 'é', '!x', '`id`'];
    const echoed = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${formatArgv(argv)}`], { encoding: 'utf8' });
    expect(echoed.split('\0').slice(0, -1)).toEqual(argv);
  });
});

describe('whatRanText', () => {
  const recorded = { argv: ['ansible-playbook', 'site.yml'], ansibleVersion: '2.14.18', catalogDigest: 'sha256:ab' };
  const unknown = { argv: null, ansibleVersion: null, catalogDigest: null };

  it('shows each row of a recorded release, the argv as a command line', () => {
    expect(WHAT_RAN_ROWS.map((row) => whatRanText(row, recorded))).toEqual(['ansible-playbook site.yml', '2.14.18', 'sha256:ab']);
  });

  it('is null for what is not recorded, and for a field an older API does not send', () => {
    expect(WHAT_RAN_ROWS.map((row) => whatRanText(row, unknown))).toEqual([null, null, null]);
    expect(whatRanText(WHAT_RAN_ROWS[0], {} as typeof unknown)).toBeNull();
  });
});
