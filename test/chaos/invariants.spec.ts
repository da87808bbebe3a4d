import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../support/seeded-random.js';
import {
  checkAllFinal,
  checkFifo,
  checkLockExclusive,
  checkNoStrayAnsible,
  checkOwnedRunning,
  checkRunOnce,
  checkWholeLogs,
  FIFO_VISIBILITY_MARGIN_MS,
} from './invariants.js';
import { generateOps } from './ops.js';
import { isAnsiblePlaybook } from './process-table.js';
import { type GuardRecord, type GuardRun, type ReleaseRecord, type RunMains, type StoredLog, attributeGuardRuns } from './records.js';

// Fabricated records: each invariant is shown to pass on a clean history and to name the evidence of
// the violation it is about, so a green chaos run means the promises held, not that a check was blind.

const T = Date.UTC(2026, 11, 1, 20, 0, 0);

function release(id: number, over: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    id,
    lockKey: 'guarded:lane1',
    status: 'succeeded',
    token: `s1-c${id}`,
    lines: 3,
    rerunOf: null,
    workerId: 'host:100',
    reason: null,
    waitingReason: null,
    createdAt: T + id * 1_000,
    runAt: null,
    startedAt: T + id * 10_000,
    finishedAt: T + id * 10_000 + 5_000,
    ...over,
  };
}

function run(releaseId: number | null, startAt: number | null, endAt: number | null, over: Partial<GuardRun> = {}): GuardRun {
  return {
    releaseId,
    attributedBy: 'pid',
    key: 'guarded:lane1',
    token: `s1-c${releaseId}`,
    ansiblePid: 1000 + (releaseId ?? 0),
    guardPid: 2000 + (releaseId ?? 0),
    startAt,
    endAt,
    refusedAt: null,
    ...over,
  };
}

function logOf(r: ReleaseRecord, texts: string[], apiText = texts.map((t) => `${t}\n`).join('')): StoredLog {
  return { releaseId: r.id, chunks: [{ first_seq: 1, last_seq: texts.length, content: texts.join('\n') }], logLinesColumn: texts.length, apiText };
}

const numbered = (r: ReleaseRecord) => ['PLAY [Guarded chaos run]', ...Array.from({ length: r.lines }, (_, i) => `    msg: chaos line ${i + 1}/${r.lines} ${r.token}`)];

describe('checkLockExclusive', () => {
  it('passes runs of one key one after the other, and overlapping runs of different keys', () => {
    expect(checkLockExclusive([run(1, T, T + 1_000), run(2, T + 1_000, T + 2_000), run(3, T + 500, T + 900, { key: 'guarded:lane2' })])).toEqual([]);
  });

  it('names both runs when holds of one key overlap', () => {
    const found = checkLockExclusive([run(1, T, T + 2_000), run(2, T + 1_500, T + 3_000)]);
    expect(found).toHaveLength(1);
    expect(found[0].message).toMatch(/release 1 .*ansible pid 1001.* while release 2 .*ansible pid 1002/);
  });

  it('says when the holder had already ended by its release (a process that outlived it)', () => {
    const timedOut = release(1, { status: 'failed', finishedAt: T + 500, reason: 'timed out after 60 s' });
    const found = checkLockExclusive([run(1, T, T + 5_000), run(2, null, null, { refusedAt: T + 700 })], [timedOut]);
    expect(found[0].message).toMatch(/release 1 \(token s1-c1, failed at 20:00:00\.500: timed out after 60 s\), ansible pid 1001, guard pid 2001 held it since/);
  });

  it('reports a refused guard with the run that held the lock', () => {
    const found = checkLockExclusive([run(1, T, null), run(2, null, null, { refusedAt: T + 700 })]);
    expect(found).toHaveLength(1);
    expect(found[0].message).toMatch(/release 2 .* refused the guard at 20:00:00\.700: release 1 .*held it since 20:00:00\.000/);
  });
});

describe('checkWholeLogs', () => {
  it('passes a complete log served whole', () => {
    const r = release(1);
    expect(checkWholeLogs([r], [logOf(r, numbered(r))])).toEqual([]);
  });

  it('catches a gap between stored chunks', () => {
    const r = release(1, { status: 'failed' });
    const log: StoredLog = {
      releaseId: 1,
      chunks: [
        { first_seq: 1, last_seq: 2, content: 'a\nb' },
        { first_seq: 4, last_seq: 4, content: 'd' },
      ],
      logLinesColumn: 4,
      apiText: 'a\nb\nd\n',
    };
    expect(checkWholeLogs([r], [log])[0].message).toMatch(/release 1 \(failed\): stored chunks are not contiguous: chunk starts at seq 4, expected 3/);
  });

  it('catches a duplicated chunk', () => {
    const r = release(1, { status: 'cancelled' });
    const log: StoredLog = {
      releaseId: 1,
      chunks: [
        { first_seq: 1, last_seq: 2, content: 'a\nb' },
        { first_seq: 2, last_seq: 3, content: 'b\nc' },
      ],
      logLinesColumn: 3,
      apiText: 'a\nb\nc\n',
    };
    expect(checkWholeLogs([r], [log])[0].message).toMatch(/chunk starts at seq 2, expected 3/);
  });

  it('catches GET /log returning fewer lines than are stored (a cut log)', () => {
    const r = release(1);
    const texts = numbered(r);
    expect(checkWholeLogs([r], [logOf(r, texts, `${texts.slice(0, 2).join('\n')}\n`)])[0].message).toMatch(/GET \/log returned 2 lines, 4 are stored/);
  });

  it('catches a succeeded release missing one of its numbered lines, and one printing a line twice', () => {
    const r = release(1, { lines: 4 });
    const texts = numbered(r);
    expect(checkWholeLogs([r], [logOf(r, texts.filter((t) => !t.includes('line 3/4')))])[0].message).toMatch(/3 found, missing 3/);
    expect(checkWholeLogs([r], [logOf(r, [...texts, texts[2]])])[0].message).toMatch(/5 found, repeated 2/);
  });

  it('does not require the numbered lines of a release that did not succeed, nor check unfinished ones', () => {
    const cancelled = release(1, { status: 'cancelled' });
    expect(checkWholeLogs([cancelled, release(2, { status: 'running' })], [logOf(cancelled, ['PLAY'])])).toEqual([]);
  });

  it('says so when a log could not be read at all', () => {
    const r = release(1);
    expect(checkWholeLogs([r], [{ ...logOf(r, numbered(r)), apiText: null }])[0].message).toMatch(/GET \/log could not be read/);
    expect(checkWholeLogs([r], [])[0].message).toMatch(/its log was not read/);
  });
});

describe('checkOwnedRunning', () => {
  const life = { workerId: 'host:100', pid: 100, readyAt: T, exitedAt: T + 10_000, exit: 'was killed (SIGKILL)' };
  const other = { workerId: 'host:200', pid: 200, readyAt: T, exitedAt: null, exit: null };

  it('passes a release reaped within the bound, and one whose owner lives', () => {
    const samples = [5_000, 15_000, 24_000].map((ms) => ({ at: T + ms, releaseId: 1, workerId: 'host:100' }));
    expect(checkOwnedRunning(samples, [life, other], [], 15_000)).toEqual([]);
    expect(checkOwnedRunning(samples, [{ ...life, exitedAt: null }], [], 1)).toEqual([]);
  });

  it('names the release, the dead worker and how long it has been without an owner', () => {
    const samples = [12_000, 30_000, 40_000].map((ms) => ({ at: T + ms, releaseId: 7, workerId: 'host:100' }));
    const found = checkOwnedRunning(samples, [life, other], [], 15_000);
    expect(found).toHaveLength(1);
    expect(found[0].message).toMatch(/release 7 was still running at 20:00:40\.000 on worker host:100 \(pid 100\), which was killed \(SIGKILL\) at 20:00:10\.000: 30000 ms/);
  });

  it('restarts the clock after an outage and ignores samples taken during one', () => {
    const samples = [{ at: T + 30_000, releaseId: 7, workerId: 'host:100' }];
    expect(checkOwnedRunning(samples, [life, other], [{ server: 'redis', from: T + 11_000, to: T + 20_000 }], 15_000)).toEqual([]);
    expect(checkOwnedRunning(samples, [life, other], [{ server: 'db', from: T + 25_000, to: null }], 15_000)).toEqual([]);
    expect(checkOwnedRunning(samples, [life, other], [{ server: 'db', from: T + 1_000, to: T + 5_000 }], 15_000)).toHaveLength(1);
  });

  it('starts the clock only once a worker is alive again to reap it', () => {
    const late = { ...other, readyAt: T + 20_000 };
    const samples = [{ at: T + 30_000, releaseId: 7, workerId: 'host:100' }];
    expect(checkOwnedRunning(samples, [life, late], [], 15_000)).toEqual([]);
    expect(checkOwnedRunning([{ ...samples[0], at: T + 36_000 }], [life, late], [], 15_000)[0].message).toMatch(/16000 ms without a live owner/);
  });

  it('reports a release owned by a worker the run never started', () => {
    expect(checkOwnedRunning([{ at: T + 1_000, releaseId: 3, workerId: 'elsewhere:1' }], [life], [], 15_000)[0].message).toMatch(/owned by elsewhere:1, not a worker this run started/);
  });
});

describe('checkRunOnce', () => {
  it('passes one run per release and a rerun sharing its original token', () => {
    const releases = [release(1), release(2, { token: 's1-c1', rerunOf: 1 })];
    expect(checkRunOnce([run(1, T, T + 1), run(2, T + 5, T + 6, { token: 's1-c1' })], releases)).toEqual([]);
  });

  it('catches a release run twice, with both ansible pids', () => {
    const found = checkRunOnce([run(1, T, T + 1), run(1, T + 50_000, T + 50_001, { ansiblePid: 4242 })], [release(1)]);
    expect(found[0].message).toMatch(/release 1 ran 2 times: ansible pid 1001 at 20:00:00\.000; ansible pid 4242 at 20:00:50\.000/);
  });

  it('catches a run of a release cancelled before it started, and a run of no release', () => {
    const found = checkRunOnce([run(1, T, T + 1), run(null, T, T + 1, { token: 's1-c9' })], [release(1, { status: 'cancelled', startedAt: null })]);
    expect(found.map((v) => v.message)).toEqual([
      expect.stringMatching(/guard run belongs to no release: an unattributed run \(token s1-c9\)/),
      expect.stringMatching(/release 1 \(cancelled, never started\) ran/),
    ]);
  });

  it('catches one create request that made two releases', () => {
    expect(checkRunOnce([], [release(1), release(2, { token: 's1-c1' })])[0].message).toMatch(/create request s1-c1 made 2 releases: 1 \(succeeded\), 2 \(succeeded\)/);
  });
});

describe('checkFifo', () => {
  it('passes releases started in order, and one overtaking a release that was cancelled first', () => {
    expect(checkFifo([release(1), release(2), release(3)])).toEqual([]);
    const cancelled = release(1, { status: 'cancelled', startedAt: null, finishedAt: T + 15_000 });
    expect(checkFifo([cancelled, release(2)])).toEqual([]);
  });

  it('catches a release started while an earlier due one of its key waited', () => {
    const found = checkFifo([release(1, { startedAt: T + 30_000 }), release(2, { startedAt: T + 20_000 })]);
    expect(found[0].message).toMatch(/lock guarded:lane1: release 2 \(due 20:00:02\.000\) started at 20:00:20\.000 ahead of release 1, due 20:00:01\.000/);
  });

  it('orders by due time: a scheduled release takes its place when it becomes due, whatever its id', () => {
    // 1 is scheduled for +25 s; 2, created at +2 s, is due first, so 2 must start before 1 once both wait.
    const scheduled = release(1, { runAt: T + 25_000, startedAt: T + 30_000 });
    expect(checkFifo([scheduled, release(2, { startedAt: T + 40_000 })])[0].message).toMatch(/release 1 \(due 20:00:25\.000\) started at 20:00:30\.000 ahead of release 2, due 20:00:02\.000/);
    expect(checkFifo([scheduled, release(2, { startedAt: T + 28_000 })])).toEqual([]);
  });

  it('does not count a scheduled release before it is due, one not yet committed, or another lock key', () => {
    expect(checkFifo([release(1, { runAt: T + 25_000, startedAt: T + 30_000 }), release(2, { startedAt: T + 20_000 })])).toEqual([]);
    const b = release(2, { createdAt: T + 2_000, startedAt: T + 2_100 });
    expect(checkFifo([release(1, { createdAt: T + 2_100 - FIFO_VISIBILITY_MARGIN_MS + 1, startedAt: T + 9_000 }), b])).toEqual([]);
    expect(checkFifo([release(1, { lockKey: 'guarded:lane2', startedAt: T + 30_000 }), release(2, { startedAt: T + 20_000 })])).toEqual([]);
  });

  it('catches a release overtaking one cancelled only after it started, and one still queued', () => {
    const lateCancel = release(1, { status: 'cancelled', startedAt: null, finishedAt: T + 25_000 });
    expect(checkFifo([lateCancel, release(2)])).toHaveLength(1);
    expect(checkFifo([release(1, { status: 'queued', startedAt: null, finishedAt: null }), release(2)])[0].message).toMatch(/still queued until never \(queued\)/);
  });
});

describe('checkNoStrayAnsible', () => {
  const seen = (at: number, status: string | null, over = {}) => ({
    at: T + at,
    pid: 555,
    command: '/usr/bin/python3 /usr/bin/ansible-playbook -i lane1.ini guarded.yml',
    mainPid: 555,
    releaseId: status === null ? null : 4,
    releaseStatus: status,
    atEnd: false,
    ...over,
  });

  it('passes a process of a running release, and one final for less than the grace', () => {
    expect(checkNoStrayAnsible([seen(0, 'running'), seen(1_000, 'running'), seen(2_000, 'succeeded')], 3_000)).toEqual([]);
  });

  it('catches a process that outlived its release, and one left at the end', () => {
    expect(checkNoStrayAnsible([seen(0, 'interrupted'), seen(5_000, 'interrupted')], 3_000)[0].message).toMatch(/ansible process 555 of release 4 \(interrupted\) alive from 20:00:00\.000 to 20:00:05\.000/);
    expect(checkNoStrayAnsible([seen(9_000, 'cancelled', { atEnd: true })], 3_000)[0].message).toMatch(/and at the end/);
  });

  it('catches an orphan belonging to no release', () => {
    expect(checkNoStrayAnsible([seen(0, null, { mainPid: null }), seen(4_000, null, { mainPid: null })], 3_000)[0].message).toMatch(/belonging to no release \(main pid unknown\)/);
  });
});

describe('checkAllFinal', () => {
  it('names every release left queued or running', () => {
    const found = checkAllFinal([release(1), release(2, { status: 'running' }), release(3, { status: 'queued', startedAt: null, waitingReason: 'waiting for release 2' })]);
    expect(found.map((v) => v.message)).toEqual([
      'release 2 (guarded:lane1) is still running on worker host:100 since 20:00:20.000',
      'release 3 (guarded:lane1) is still queued since 20:00:03.000 (waiting for release 2)',
    ]);
    const life = { workerId: 'host:100', pid: 100, readyAt: T, exitedAt: null, exit: null };
    expect(checkAllFinal([release(2, { status: 'running' })], [life])[0].message).toMatch(/on worker host:100 \(pid 100, still alive\) since/);
  });
});

describe('attributeGuardRuns', () => {
  const spawns = [
    { releaseId: 1, ansiblePid: 700, at: T, workerPid: 100 },
    { releaseId: 5, ansiblePid: 700, at: T + 60_000, workerPid: 101 }, // pid 700 reused later
  ];
  const guard = (over: Partial<GuardRecord>): GuardRecord => ({ event: 'start', key: 'guarded:lane1', token: 's1-c5', ansiblePid: 700, guardPid: 9, at: T + 61_000, ...over });

  it('finds the release through the main process of the run, even when the guard saw only a fork', () => {
    const mains: RunMains = new Map([['ansible-playbook -e @/tmp/run-5/extra-vars.yml', { pid: 700, startMs: T + 59_900 }]]);
    const records = [guard({ ansiblePid: 777, ansibleCommand: 'ansible-playbook -e @/tmp/run-5/extra-vars.yml' })];
    expect(attributeGuardRuns(records, spawns, [release(1), release(5)], mains)[0]).toMatchObject({ releaseId: 5, attributedBy: 'run' });
  });

  it('else by the ansible pid in the worker log, the latest spawn before the record', () => {
    const records = [guard({}), guard({ event: 'end', at: T + 62_000 })];
    expect(attributeGuardRuns(records, spawns, [release(1), release(5)])).toEqual([expect.objectContaining({ releaseId: 5, attributedBy: 'pid', startAt: T + 61_000, endAt: T + 62_000 })]);
  });

  it('else by the token: the release with it running then, or the only one started by then', () => {
    const original = release(2, { startedAt: T, finishedAt: T + 10_000 });
    const rerun = release(3, { token: 's1-c2', rerunOf: 2, startedAt: T + 20_000, finishedAt: T + 30_000 });
    const at = (ms: number) => [guard({ token: 's1-c2', ansiblePid: 999, at: T + ms })];
    expect(attributeGuardRuns(at(5_000), spawns, [original, rerun])[0]).toMatchObject({ releaseId: 2, attributedBy: 'token' });
    expect(attributeGuardRuns(at(25_000), spawns, [original, rerun])[0]).toMatchObject({ releaseId: 3, attributedBy: 'token' });
    expect(attributeGuardRuns(at(15_000), spawns, [original, rerun])[0]).toMatchObject({ releaseId: 2, attributedBy: 'token' });
    expect(attributeGuardRuns(at(35_000), spawns, [original, rerun])[0]).toMatchObject({ releaseId: null, attributedBy: 'none' });
  });
});

describe('generateOps', () => {
  it('is the same schedule for the same seed, another for another seed, and has every disruption', () => {
    expect(generateOps(7, 60_000)).toEqual(generateOps(7, 60_000));
    expect(generateOps(7, 60_000)).not.toEqual(generateOps(8, 60_000));
    const kinds = new Set(generateOps(3, 20_000).map(({ op }) => op.kind));
    for (const kind of ['create', 'cancel', 'rerun', 'worker-term', 'worker-kill', 'ansible-kill', 'redis-restart', 'db-restart']) expect(kinds).toContain(kind);
  });

  it('draws from mulberry32 reproducibly', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const draws = Array.from({ length: 5 }, () => a.next());
    expect(draws).toEqual(Array.from({ length: 5 }, () => b.next()));
    expect(new Set(draws).size).toBe(5);
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('isAnsiblePlaybook', () => {
  it('is the program itself, not a wrapper that names it in its arguments', () => {
    expect(isAnsiblePlaybook('/usr/bin/python3 /usr/bin/ansible-playbook -i /tmp/x/lane1.ini /tmp/x/guarded.yml')).toBe(true);
    expect(isAnsiblePlaybook('ansible-playbook -i lane1.ini guarded.yml')).toBe(true);
    expect(isAnsiblePlaybook('/usr/bin/python3 -I /repo/apps/worker/bin/slipway-spawner.py 12 10')).toBe(false);
    expect(isAnsiblePlaybook('bash /tmp/x/guard.sh /tmp/x/guard guarded:lane1 s1-c1 500')).toBe(false);
  });
});
