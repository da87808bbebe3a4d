import { describe, expect, it } from 'vitest';
import type { AnsibleEventSummary, ReleaseStreamHostResultEvent, ReleaseStreamTaskEvent } from '@slipway/contracts';
import { ResultsGridModel, STATUS_LETTER, hostStatus, parseStreamEvent, statusLabel } from './grid-model';

const task = (seq: number, taskId: string, name = taskId): ReleaseStreamTaskEvent => ({ type: 'task', seq, taskId, task: name, action: 'debug', path: 'p.yml:1', handler: false });
const result = (seq: number, host: string, taskId: string, status: ReleaseStreamHostResultEvent['status'], changed = status === 'changed', item = false): ReleaseStreamHostResultEvent => ({
  type: 'host-result',
  seq,
  taskId,
  task: taskId,
  host,
  status,
  changed,
  item,
  durationMs: 5,
});
const listed = (seq: number, host: string, taskId: string, status: AnsibleEventSummary['status']): AnsibleEventSummary => ({
  id: seq,
  seq,
  type: 'host_result',
  emittedAt: '2030-01-01T00:00:00.000Z',
  taskId,
  task: taskId,
  host,
  status,
  changed: status === 'changed',
  durationMs: 3,
});

describe('results grid model', () => {
  it('puts hosts in rows and tasks in columns in the order they ran, whatever order the events arrive in', () => {
    const model = new ResultsGridModel();
    // The stored events are read newest first; the stream brings later ones first sometimes.
    model.applyListed(listed(6, 'b', 't2', 'failed'));
    model.applyListed(listed(5, 'a', 't2', 'changed'));
    model.applyTask(task(4, 't2'));
    model.applyListed(listed(3, 'b', 't1', 'ok'));
    model.applyListed(listed(2, 'a', 't1', 'ok'));
    model.applyTask(task(1, 't1'));
    const view = model.view('all');
    expect(view.hosts).toEqual(['a', 'b']);
    expect(view.tasks.map((t) => t.taskId)).toEqual(['t1', 't2']);
    expect(model.cell('b', 't2')).toMatchObject({ seq: 6, status: 'failed' });
    expect(model.cell('a', 't3')).toBeUndefined();
  });

  it('counts a result seen twice (stored list and live stream) once', () => {
    const model = new ResultsGridModel();
    model.applyTask(task(1, 't1'));
    model.applyHostResult(result(2, 'a', 't1', 'changed'));
    model.applyListed(listed(2, 'a', 't1', 'changed'));
    model.applyHostResult(result(2, 'a', 't1', 'changed'));
    expect(model.summary('a')).toMatchObject({ changed: 1, ok: 0, failed: 0 });
  });

  it('shows the task result, not its loop items', () => {
    const model = new ResultsGridModel();
    model.applyTask(task(1, 't1'));
    model.applyHostResult(result(2, 'a', 't1', 'failed', false, true));
    model.applyHostResult(result(3, 'a', 't1', 'ok', false, true));
    expect(model.cell('a', 't1')).toBeUndefined();
    model.applyHostResult(result(4, 'a', 't1', 'failed'));
    expect(model.cell('a', 't1')).toMatchObject({ seq: 4, status: 'failed' });
    expect(model.summary('a').failed).toBe(1);
  });

  it('adds the column of a task whose start it never saw', () => {
    const model = new ResultsGridModel();
    model.applyHostResult(result(7, 'a', 'late', 'ok'));
    expect(model.view('all').tasks.map((t) => t.taskId)).toEqual(['late']);
  });

  it('filters to the hosts and tasks that changed, or failed (unreachable counts as failed, an ignored failure does not)', () => {
    const model = new ResultsGridModel();
    for (const [i, id] of ['t1', 't2', 't3', 't4'].entries()) model.applyTask(task(i + 1, id));
    model.applyHostResult(result(10, 'a', 't1', 'changed'));
    model.applyHostResult(result(11, 'b', 't1', 'ok'));
    model.applyHostResult(result(12, 'c', 't1', 'unreachable'));
    model.applyHostResult(result(13, 'a', 't2', 'ignored', true));
    model.applyHostResult(result(14, 'b', 't3', 'failed'));
    model.applyHostResult(result(15, 'b', 't4', 'skipped'));
    expect(model.view('changed')).toMatchObject({ hosts: ['a'], tasks: [{ taskId: 't1' }, { taskId: 't2' }] });
    expect(model.view('failed')).toMatchObject({ hosts: ['b', 'c'], tasks: [{ taskId: 't1' }, { taskId: 't3' }] });
    expect(model.view('all').hosts).toEqual(['a', 'b', 'c']);
    expect(model.matches(model.cell('a', 't2'), 'changed')).toBe(true);
    expect(model.matches(model.cell('a', 't2'), 'failed')).toBe(false);
  });

  it('keeps the latest result of a task that ran twice on a host, and counts both', () => {
    const model = new ResultsGridModel();
    model.applyTask(task(1, 't1'));
    model.applyHostResult(result(5, 'a', 't1', 'ok'));
    model.applyListed(listed(3, 'a', 't1', 'failed'));
    expect(model.cell('a', 't1')).toMatchObject({ seq: 5, status: 'ok' });
    expect(model.summary('a')).toMatchObject({ ok: 1, failed: 1 });
  });

  it('has a distinct letter for every status', () => {
    expect(new Set(Object.values(STATUS_LETTER)).size).toBe(Object.keys(STATUS_LETTER).length);
  });

  it('reads the typed stream events and refuses anything else', () => {
    expect(parseStreamEvent('host-result', JSON.stringify(result(2, 'a', 't1', 'ok')))).toMatchObject({ type: 'host-result', host: 'a' });
    expect(parseStreamEvent('task', JSON.stringify(task(1, 't1')))).toMatchObject({ type: 'task', taskId: 't1' });
    expect(parseStreamEvent('task', '{"type":"task","seq":"1"}')).toBeNull();
    expect(parseStreamEvent('host-result', '{"type":"host-result","seq":1,"host":"a","taskId":"t","status":"weird"}')).toBeNull();
    expect(parseStreamEvent('host-result', 'not json')).toBeNull();
  });

  it("gives a host the worst of its results, skipped only when all were skipped", () => {
    const counts = { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, ignored: 0, rescued: 0 };
    expect(hostStatus({ ...counts, skipped: 2 })).toBe('skipped');
    expect(hostStatus({ ...counts, skipped: 2, ignored: 1 })).toBe('ok');
    expect(hostStatus({ ...counts, ok: 3, changed: 1 })).toBe('changed');
    expect(hostStatus({ ...counts, changed: 1, failed: 1 })).toBe('failed');
    expect(hostStatus({ ...counts, failed: 1, unreachable: 1 })).toBe('unreachable');
  });

  it('labels a cell for screen readers, "would change" in check mode', () => {
    const cell = { seq: 1, status: 'changed', changed: true, durationMs: null } as const;
    expect(statusLabel(undefined, false)).toBe('no result');
    expect(statusLabel(cell, false)).toBe('changed');
    expect(statusLabel(cell, true)).toBe('would change');
    expect(statusLabel({ ...cell, status: 'ignored' }, false)).toBe('ignored, changed');
    expect(statusLabel({ ...cell, status: 'failed', changed: false }, true)).toBe('failed');
  });
});
