import { chmodSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnsibleVersionCache, parseAnsibleVersion } from './ansible-version.js';

describe('parseAnsibleVersion', () => {
  it("reads ansible-core's version off the first line, old and new formats", () => {
    expect(parseAnsibleVersion('ansible-playbook [core 2.14.18]\n  config file = None\n')).toBe('2.14.18');
    expect(parseAnsibleVersion('ansible-playbook [core 2.17.0rc1]')).toBe('2.17.0rc1');
    expect(parseAnsibleVersion('ansible-playbook 2.9.27\n  config file = /etc/ansible/ansible.cfg')).toBe('2.9.27');
  });

  it('is null for anything else (a stand-in, an error)', () => {
    expect(parseAnsibleVersion('')).toBeNull();
    expect(parseAnsibleVersion('stub progress 1/30\n')).toBeNull();
    expect(parseAnsibleVersion('usage: ansible-playbook [-h]')).toBeNull();
    expect(parseAnsibleVersion(`ansible-playbook [core ${'9'.repeat(100)}]`)).toBeNull();
  });
});

describe('AnsibleVersionCache', () => {
  let dir: string;
  let bin: string;
  let probes: number;
  let answer: string | null;
  let cache: AnsibleVersionCache;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'slipway-version-spec-'));
    bin = path.join(dir, 'ansible-playbook');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    probes = 0;
    answer = '2.14.18';
    cache = new AnsibleVersionCache(() => {
      probes++;
      return Promise.resolve(answer);
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('asks each executable once, found on the run PATH, however many releases ask', async () => {
    const env = { PATH: dir };
    const answers = await Promise.all([cache.versionOf('ansible-playbook', env), cache.versionOf('ansible-playbook', env), cache.versionOf(bin, {})]);
    expect(answers).toEqual(['2.14.18', '2.14.18', '2.14.18']);
    expect(await cache.versionOf('ansible-playbook', env)).toBe('2.14.18');
    expect(probes).toBe(2); // by name and by path: two cache keys, one probe each
  });

  it('asks again once the executable changed (an upgrade replaced it)', async () => {
    expect(await cache.versionOf(bin, {})).toBe('2.14.18');
    answer = '2.16.3';
    writeFileSync(bin, '#!/bin/sh\n# upgraded\n');
    utimesSync(bin, new Date(), new Date(Date.now() + 5_000));
    expect(await cache.versionOf(bin, {})).toBe('2.16.3');
    expect(probes).toBe(2);
  });

  it('is null, without asking, for an executable that is not there; a failed probe is null and not asked again', async () => {
    expect(await cache.versionOf('no-such-ansible-playbook', { PATH: dir })).toBeNull();
    expect(probes).toBe(0);
    const failing = new AnsibleVersionCache(() => {
      probes++;
      return Promise.reject(new Error('boom'));
    });
    expect(await failing.versionOf(bin, {})).toBeNull();
    expect(await failing.versionOf(bin, {})).toBeNull();
    expect(probes).toBe(1);
  });
});
