import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { type AnsibleEvent, type HostResultEvent, SecretMasker, parsePlayRecap } from '@slipway/ansible';
import { EVENTS_FILE, eventCaptureEnvironment, findCallbackPlugins } from './event-capture.js';
import { EventFileTail } from './event-file-tail.js';
import { ReleaseEventSink } from './release-event-sink.js';

// The real ansible-playbook with Slipway's callback plugin, read back the way the worker reads it.
const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/events/', import.meta.url));
const pluginDir = findCallbackPlugins() ?? '';
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  stdout: string;
  exitCode: number | undefined;
  events: AnsibleEvent[];
  rawFile: string;
}

async function run(args: string[], options: { capture?: boolean; secrets?: string[] } = {}): Promise<Run> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-events-'));
  dirs.push(dir);
  const file = path.join(dir, EVENTS_FILE);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: dir, PYTHONUNBUFFERED: '1', ANSIBLE_FORCE_COLOR: '0' };
  if (options.capture !== false) Object.assign(env, eventCaptureEnvironment({}, pluginDir, file, 536_870_912));
  const stored: AnsibleEvent[] = [];
  const sink = new ReleaseEventSink(1, new SecretMasker(options.secrets ?? []), {
    store: async (events) => void stored.push(...events.map((e) => JSON.parse(e.json) as AnsibleEvent)),
    announce: () => undefined,
    recordNotKept: async () => undefined,
  });
  const tail = options.capture === false ? null : new EventFileTail(file, (line) => sink.push(line));
  const result = await execa('ansible-playbook', args, { cwd: FIXTURES, env, extendEnv: false, reject: false, stdin: 'ignore' });
  await tail?.finish();
  await sink.drain();
  return { stdout: result.stdout, exitCode: result.exitCode, events: stored, rawFile: options.capture === false ? '' : readFileSync(file, 'utf8') };
}

const results = (events: AnsibleEvent[]) => events.filter((e): e is HostResultEvent => e.type === 'host_result');
const statsOf = (events: AnsibleEvent[]) => events.find((e) => e.type === 'stats');

describe('slipway_events callback plugin with the real ansible-playbook', () => {
  it('records exactly 1 000 host results of 50 hosts x 20 tasks, in sequence, and stats that agree with the recap', async () => {
    const { stdout, exitCode, events } = await run(['-i', 'fifty-hosts.ini', 'fifty-by-twenty.yml']);
    expect(exitCode).toBe(0);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(results(events)).toHaveLength(1_000);
    expect(events.filter((e) => e.type === 'task_start')).toHaveLength(20);
    const recap = parsePlayRecap(stdout);
    const stats = statsOf(events);
    expect(stats?.type === 'stats' && stats.hosts).toEqual(recap);
    expect(Object.keys(recap)).toHaveLength(50);
    // Per host, the results say what the recap says.
    for (const [host, counts] of Object.entries(recap)) {
      const mine = results(events).filter((e) => e.host === host);
      expect(mine.filter((e) => e.status === 'changed')).toHaveLength(counts.changed);
      expect(mine.filter((e) => e.status === 'skipped')).toHaveLength(counts.skipped);
      expect(mine.filter((e) => e.status === 'ok' || e.status === 'changed')).toHaveLength(counts.ok);
    }
  });

  it('leaves what ansible prints exactly as it is', async () => {
    const args = ['-i', 'fifty-hosts.ini', 'fifty-by-twenty.yml', '--limit', 'host01:host02', '-f', '1'];
    const [plain, captured] = await Promise.all([run(args, { capture: false }), run(args)]);
    expect(captured.events.length).toBeGreaterThan(40);
    expect(captured.stdout).toBe(plain.stdout);
  });

  it('records loops item by item, handlers, ignored, rescued, failed, unreachable, delegate_to, and no_log without data', async () => {
    const { events, exitCode } = await run(['-i', 'features.ini', 'features.yml']);
    expect(exitCode).toBe(4); // a failed host and an unreachable one
    const of = (task: string, host: string) => results(events).find((e) => e.task === task && e.host === host);
    expect(events.filter((e) => e.type === 'item_result' && e.host === 'good').map((e) => e.type === 'item_result' && e.item)).toEqual(['a', 'b', 'c']);
    expect(of('loop over items', 'good')).toMatchObject({ status: 'ok', items: 3 });
    expect(events.find((e) => e.type === 'task_start' && e.task === 'file written')).toMatchObject({ handler: true, action: 'ansible.builtin.debug' });
    expect(events.find((e) => e.type === 'task_start' && e.task === 'write a file')).toMatchObject({ path: expect.stringMatching(/features\.yml:\d+$/) });
    expect(of('fails but is ignored', 'good')?.status).toBe('ignored');
    expect(of('fails in a block', 'good')?.status).toBe('rescued');
    expect(of('fails for real on one host', 'bad')).toMatchObject({ status: 'failed', result: { msg: 'failing bad' } });
    expect(of('fails for real on one host', 'good')?.status).toBe('skipped');
    expect(of('write a file', 'gone')?.status).toBe('unreachable');
    expect(of('delegated', 'good')?.delegateTo).toBe('localhost');
    const hidden = of('hidden', 'good');
    expect(hidden).toMatchObject({ noLog: true, result: null, diff: null, status: 'changed' });
    expect(JSON.stringify(events.filter((e) => 'task' in e && e.task === 'hidden'))).not.toContain('world hidden');
    const stats = statsOf(events);
    expect(stats?.type === 'stats' && stats.hosts.gone).toMatchObject({ unreachable: 1 });
    expect(stats?.type === 'stats' && stats.hosts.bad).toMatchObject({ failed: 1, rescued: 1, ignored: 1 });
  });

  it('in check mode with --diff, records what would change and its diff', async () => {
    const { events } = await run(['-i', 'features.ini', 'features.yml', '--limit', 'good', '--check', '--diff']);
    expect(events.find((e) => e.type === 'play_start')).toMatchObject({ check: true, diffMode: true });
    const write = results(events).find((e) => e.task === 'write a file');
    expect(write).toMatchObject({ status: 'changed', changed: true });
    expect(JSON.stringify(write?.diff)).toContain('hello world');
  });

  it('masks a secret in stdout, a registered var, a diff, a loop item, a task name and a host name (attack)', async () => {
    const secret = 'Zq9-secret-Xw';
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-events-secret-'));
    dirs.push(dir);
    const inventory = path.join(dir, 'hosts.ini');
    writeFileSync(inventory, `[local]\n${secret} ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n`);
    const playbook = path.join(dir, 'secret.yml');
    writeFileSync(
      playbook,
      `- hosts: all\n  gather_facts: false\n  tasks:\n` +
        `    - name: "named {{ greeting }}"\n      ansible.builtin.command: "echo {{ greeting }}"\n      register: echoed\n` +
        `    - ansible.builtin.debug:\n        var: echoed\n` +
        `    - ansible.builtin.copy:\n        dest: "${dir}/out.txt"\n        content: "{{ greeting }}"\n` +
        `    - ansible.builtin.debug:\n        msg: "{{ item }}"\n      loop: ["{{ greeting }}"]\n`,
    );
    const args = ['-i', inventory, playbook, '--diff', '-e', `greeting=${secret}`];
    const exposed = await run(args);
    expect(exposed.rawFile).toContain(secret); // the attack reaches the plugin's file…
    expect(JSON.stringify(exposed.events)).toContain(secret); // …and an unmasked sink would keep it
    const masked = await run(args, { secrets: [secret] });
    expect(masked.events.length).toBe(exposed.events.length);
    expect(JSON.stringify(masked.events)).not.toContain(secret);
    expect(JSON.stringify(masked.events)).not.toContain('Zq9');
    expect(results(masked.events).every((e) => e.host === '********')).toBe(true);
  });
});
