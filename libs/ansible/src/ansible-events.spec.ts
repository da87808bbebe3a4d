import { describe, expect, it } from 'vitest';
import { type AnsibleEvent, type HostResultEvent, MAX_EVENT_STRING_CHARS, boundAnsibleEvent, maskAnsibleEvent, parseAnsibleEvent, storableAnsibleEvent } from './ansible-events.js';
import { SecretMasker } from './secret-masker.js';

const SECRET = 's3cr3t-Value';
const masker = new SecretMasker([SECRET]);

function hostResult(overrides: Partial<HostResultEvent>): HostResultEvent {
  return {
    v: 1, seq: 7, t: 1, type: 'host_result', taskId: 't1', task: 'echo', host: 'web1', status: 'changed', changed: true,
    durationMs: 3, delegateTo: null, noLog: false, result: {}, diff: null, ...overrides,
  };
}

describe('parseAnsibleEvent', () => {
  it('reads a line of the plugin and refuses what is not one', () => {
    expect(parseAnsibleEvent('{"v":1,"seq":1,"t":5,"type":"playbook_start","playbook":"site.yml"}')).toMatchObject({ seq: 1, type: 'playbook_start' });
    expect(parseAnsibleEvent('{"v":1,"seq":1,"t":5,"type":"playb')).toBeNull(); // torn
    expect(parseAnsibleEvent('{"v":2,"seq":1,"t":5,"type":"playbook_start"}')).toBeNull();
    expect(parseAnsibleEvent('{"v":1,"seq":0,"t":5,"type":"playbook_start"}')).toBeNull();
    expect(parseAnsibleEvent('{"v":1,"seq":1,"t":5,"type":"host_result","host":"a","status":"weird"}')).toBeNull();
    expect(parseAnsibleEvent('[1]')).toBeNull();
  });
});

describe('maskAnsibleEvent (attacks: the secret everywhere an event holds text)', () => {
  const leaks = (event: AnsibleEvent) => JSON.stringify(event).includes(SECRET) || JSON.stringify(event).includes('s3cr3t');

  it('masks a secret echoed in stdout and kept in a registered var', () => {
    const event = hostResult({ result: { stdout: `value is ${SECRET}`, stdout_lines: [SECRET], echoed: { stdout: SECRET } } });
    expect(leaks(event)).toBe(true);
    const masked = maskAnsibleEvent(event, masker);
    expect(leaks(masked)).toBe(false);
    expect(masked).toMatchObject({ result: { stdout: 'value is ********', stdout_lines: ['********'] } });
  });

  it('masks a secret in a diff, a loop item, a task name and a host name (also as a stats key)', () => {
    const cases: AnsibleEvent[] = [
      hostResult({ diff: [{ before: '', after: `password=${SECRET}\n` }] }),
      { ...hostResult({}), type: 'item_result', item: { name: SECRET } },
      hostResult({ task: `deploy ${SECRET}` }),
      { v: 1, seq: 2, t: 1, type: 'task_start', taskId: 't', task: `use ${SECRET}`, action: 'debug', path: '/p.yml:3', tags: [SECRET], handler: false },
      hostResult({ host: `${SECRET}.example` }),
      { v: 1, seq: 9, t: 1, type: 'stats', notKept: 0, hosts: { [SECRET]: { ok: 1, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0 } } },
    ];
    for (const event of cases) {
      expect(leaks(event)).toBe(true);
      expect(leaks(maskAnsibleEvent(event, masker))).toBe(false);
    }
  });

  it('masks a secret split over lines of a multi-line value', () => {
    const multi = new SecretMasker(['line one\nline two']);
    const masked = maskAnsibleEvent(hostResult({ result: { stdout: 'x\nline two\ny' } }), multi);
    expect(JSON.stringify(masked)).not.toContain('line two');
  });

  it('cuts long strings only after masking, saying so', () => {
    const long = 'a'.repeat(MAX_EVENT_STRING_CHARS + 10);
    const bounded = boundAnsibleEvent(hostResult({ result: { stdout: long } }));
    expect(bounded.result?.stdout).toBe(`${'a'.repeat(MAX_EVENT_STRING_CHARS)} [truncated]`);
  });
});

describe('storableAnsibleEvent (copy on write, and the line itself as the JSON only when that is safe)', () => {
  const line = JSON.stringify(hostResult({ result: { stdout: 'plain output', nested: { list: ['a', { b: 'c' }] } } }));

  it('shares an event nothing in which is masked or cut, and stores the line as it came', () => {
    const parsed = parseAnsibleEvent(line)!;
    expect(maskAnsibleEvent(parsed, masker)).toBe(parsed);
    expect(boundAnsibleEvent(parsed)).toBe(parsed);
    const storable = storableAnsibleEvent(parsed, line, masker);
    expect(storable.json).toBe(line);
    expect(storable.head).toEqual({ v: 1, seq: 7, t: 1, type: 'host_result', taskId: 't1', task: 'echo', host: 'web1', status: 'changed', changed: true, durationMs: 3, delegateTo: null, noLog: false });
  });

  it('copies only what it masks, leaving the parsed event as it was', () => {
    const text = JSON.stringify(hostResult({ result: { stdout: `x ${SECRET}`, other: { kept: 'same' } } }));
    const parsed = parseAnsibleEvent(text) as HostResultEvent;
    const storable = storableAnsibleEvent(parsed, text, masker);
    expect(storable.json).not.toContain(SECRET);
    expect(JSON.parse(storable.json)).toMatchObject({ result: { stdout: 'x ********', other: { kept: 'same' } } });
    expect(parsed.result?.stdout).toBe(`x ${SECRET}`);
  });

  it('never stores a line whose secret JSON.parse dropped with a duplicate key (attack)', () => {
    const text = line.replace('"host":"web1"', `"host":"${SECRET}","host":"web1"`);
    const parsed = parseAnsibleEvent(text)!;
    expect(maskAnsibleEvent(parsed, masker)).toBe(parsed); // what JSON.parse kept holds no secret
    expect(storableAnsibleEvent(parsed, text, masker).json).not.toContain(SECRET);
  });

  it('keeps a host called __proto__ an own key when the stats are masked', () => {
    const text = `{"v":1,"seq":3,"t":1,"type":"stats","notKept":0,"hosts":{"__proto__":{"ok":1},"${SECRET}":{"ok":2}}}`;
    const storable = storableAnsibleEvent(parseAnsibleEvent(text)!, text, masker);
    const hosts = (JSON.parse(storable.json) as { hosts: Record<string, unknown> }).hosts;
    expect(Object.keys(hosts)).toEqual(['__proto__', '********']);
    expect(storable.head).toEqual({ v: 1, seq: 3, t: 1, type: 'stats', notKept: 0 });
  });

  it('cuts a string only when the line is long enough to hold one past the bound', () => {
    const long = JSON.stringify(hostResult({ result: { stdout: 'a'.repeat(MAX_EVENT_STRING_CHARS + 1) } }));
    const storable = storableAnsibleEvent(parseAnsibleEvent(long)!, long, masker);
    expect((JSON.parse(storable.json) as HostResultEvent).result?.stdout).toBe(`${'a'.repeat(MAX_EVENT_STRING_CHARS)} [truncated]`);
  });
});
