import { stripAnsi } from '@slipway/ansible';
import { contiguousLines } from '../support/stored-log.js';
import {
  type AnsibleSighting,
  type GuardRun,
  type Outage,
  type ReleaseRecord,
  type RunningSample,
  type StoredLog,
  type WorkerLife,
  clock,
  isFinal,
} from './records.js';

/**
 * The promises the chaos test holds Slipway to, one function each, over records gathered from outside
 * (see records.ts). Each returns the violations it found, every one naming its evidence (release ids,
 * times, pids); invariants.spec.ts proves each one catches what it is about.
 */

export type InvariantName = 'lock' | 'logs' | 'owner' | 'once' | 'fifo' | 'ansible' | 'final';

export const INVARIANTS: Record<InvariantName, string> = {
  lock: 'no two runs of one lock key overlap',
  logs: "every finished release's log is complete and contiguous",
  owner: 'no release stays running without a live owner beyond the bound',
  once: 'no release runs twice, and a cancelled or duplicate one not at all',
  fifo: 'FIFO per lock key among due releases',
  ansible: 'no ansible process lives on without a running release',
  final: 'every release is in a final state once the system has settled',
};

export interface Violation {
  invariant: InvariantName;
  message: string;
}

const violation = (invariant: InvariantName, message: string): Violation => ({ invariant, message });

function describeRun(run: GuardRun, releases: ReleaseRecord[] = []): string {
  const release = releases.find((r) => r.id === run.releaseId);
  const state = release && isFinal(release.status) ? `, ${release.status} at ${clock(release.finishedAt)}${release.reason ? `: ${release.reason}` : ''}` : '';
  const who = run.releaseId === null ? `an unattributed run (token ${run.token})` : `release ${run.releaseId} (token ${run.token}${state})`;
  return `${who}, ansible pid ${run.ansiblePid}, guard pid ${run.guardPid}`;
}

/**
 * Lock exclusivity, from the guard records: a guard that could not take its flock means another run of
 * the same lock key was inside it; and no two guarded holds of one key may overlap in time.
 */
export function checkLockExclusive(runs: GuardRun[], releases: ReleaseRecord[] = []): Violation[] {
  const describe = (run: GuardRun) => describeRun(run, releases);
  const found: Violation[] = [];
  for (const refused of runs.filter((r) => r.refusedAt !== null)) {
    const at = refused.refusedAt!;
    const holder = runs.find((r) => r.key === refused.key && r.startAt !== null && r.startAt <= at && (r.endAt === null || r.endAt >= at));
    found.push(
      violation(
        'lock',
        `lock ${refused.key}: ${describe(refused)} was refused the guard at ${clock(at)}: ` +
          (holder ? `${describe(holder)} held it since ${clock(holder.startAt)} (until ${clock(holder.endAt)})` : 'held by a run that left no start record'),
      ),
    );
  }
  const held = runs.filter((r) => r.startAt !== null && r.endAt !== null).sort((a, b) => a.startAt! - b.startAt!);
  for (let i = 0; i < held.length; i++) {
    for (let j = i + 1; j < held.length; j++) {
      const [a, b] = [held[i], held[j]];
      if (a.key === b.key && b.startAt! < a.endAt!) {
        found.push(
          violation('lock', `lock ${a.key}: ${describe(a)} held it ${clock(a.startAt)}–${clock(a.endAt)} while ${describe(b)} held it from ${clock(b.startAt)}`),
        );
      }
    }
  }
  return found;
}

/** The "chaos line i/N <token>" numbers a release printed, in stored order. */
function numberedLines(lines: string[], release: ReleaseRecord): number[] {
  const pattern = new RegExp(`chaos line (\\d+)/${release.lines} ${release.token}$`);
  return lines.flatMap((line) => {
    const match = pattern.exec(line);
    return match ? [Number(match[1])] : [];
  });
}

/**
 * Whole logs, for every finished release: the stored chunks number the lines 1..n with no gap and no
 * overlap, `log_lines` says n, `GET /log` returns exactly those n lines, and a succeeded release holds
 * each of its numbered lines once, in order.
 */
export function checkWholeLogs(releases: ReleaseRecord[], logs: StoredLog[]): Violation[] {
  const found: Violation[] = [];
  for (const release of releases.filter((r) => isFinal(r.status))) {
    const log = logs.find((l) => l.releaseId === release.id);
    const where = `release ${release.id} (${release.status})`;
    if (!log) {
      found.push(violation('logs', `${where}: its log was not read`));
      continue;
    }
    let stored: string[];
    try {
      stored = contiguousLines(log.chunks).map((line) => line.text);
    } catch (error) {
      found.push(violation('logs', `${where}: stored chunks are not contiguous: ${(error as Error).message}`));
      continue;
    }
    if (stored.length !== log.logLinesColumn) {
      found.push(violation('logs', `${where}: ${stored.length} lines stored but log_lines says ${log.logLinesColumn}`));
    }
    if (log.apiText === null) {
      found.push(violation('logs', `${where}: GET /log could not be read`));
    } else {
      const served = log.apiText === '' ? [] : log.apiText.replace(/\n$/, '').split('\n').map(stripAnsi);
      const firstDiff = served.findIndex((line, i) => line !== stored[i]);
      if (served.length !== stored.length || firstDiff !== -1) {
        found.push(
          violation(
            'logs',
            `${where}: GET /log returned ${served.length} lines, ${stored.length} are stored` +
              (firstDiff !== -1 ? `; line ${firstDiff + 1} differs (${JSON.stringify(served[firstDiff])} vs ${JSON.stringify(stored[firstDiff])})` : ''),
          ),
        );
      }
    }
    if (release.status === 'succeeded') {
      const numbers = numberedLines(stored, release);
      const expected = Array.from({ length: release.lines }, (_, i) => i + 1);
      if (numbers.join(',') !== expected.join(',')) {
        const missing = expected.filter((n) => !numbers.includes(n));
        const repeated = numbers.filter((n, i) => numbers.indexOf(n) !== i);
        found.push(
          violation(
            'logs',
            `${where}: numbered lines of ${release.lines} (token ${release.token}): ${numbers.length} found` +
              `${missing.length ? `, missing ${summarize(missing)}` : ''}${repeated.length ? `, repeated ${summarize(repeated)}` : ''}` +
              `${!missing.length && !repeated.length ? ', out of order' : ''}`,
          ),
        );
      }
    }
  }
  return found;
}

function summarize(numbers: number[]): string {
  return numbers.length > 8 ? `${numbers.slice(0, 8).join(', ')} … (${numbers.length})` : numbers.join(', ');
}

/** The stretches of time in which no worker was alive (ready and not yet exited), so none could reap. */
export function workerlessTimes(lives: WorkerLife[]): Outage[] {
  const gaps: Outage[] = [];
  let coveredUntil = Number.NEGATIVE_INFINITY;
  for (const life of [...lives].sort((a, b) => a.readyAt - b.readyAt)) {
    if (life.readyAt > coveredUntil && coveredUntil !== Number.NEGATIVE_INFINITY) gaps.push({ server: 'workers', from: coveredUntil, to: life.readyAt });
    coveredUntil = Math.max(coveredUntil, life.exitedAt ?? Number.POSITIVE_INFINITY);
  }
  if (coveredUntil !== Number.POSITIVE_INFINITY && coveredUntil !== Number.NEGATIVE_INFINITY) gaps.push({ server: 'workers', from: coveredUntil, to: null });
  return gaps;
}

/**
 * A release must not stay `running` once its owner is dead for longer than `boundMs` (the reaper's
 * reach: key expiry, a whole TTL missing, a housekeeping tick, the forced death of its processes). The
 * clock starts when the owner died, or when the last outage overlapping that time ended: Redis or the DB
 * away, or no worker alive to reap (see workerlessTimes); a sample taken during an outage proves nothing.
 */
export function checkOwnedRunning(samples: RunningSample[], lives: WorkerLife[], serverOutages: Outage[], boundMs: number): Violation[] {
  const outages = [...serverOutages, ...workerlessTimes(lives)];
  const worst = new Map<number, { sample: RunningSample; life: WorkerLife | null; deadSince: number }>();
  for (const sample of samples) {
    const life = lives.find((l) => l.workerId === sample.workerId) ?? null;
    if (life && (life.exitedAt === null || life.exitedAt > sample.at)) continue;
    let deadSince = life?.exitedAt ?? Number.NEGATIVE_INFINITY;
    let during = false;
    for (const outage of outages) {
      if (outage.from > sample.at || (outage.to !== null && outage.to < deadSince)) continue;
      if (outage.to === null || outage.to > sample.at) during = true;
      else deadSince = Math.max(deadSince, outage.to);
    }
    if (during || sample.at - deadSince <= boundMs) continue;
    const before = worst.get(sample.releaseId);
    if (!before || sample.at > before.sample.at) worst.set(sample.releaseId, { sample, life, deadSince });
  }
  return [...worst.values()].map(({ sample, life, deadSince }) =>
    violation(
      'owner',
      life
        ? `release ${sample.releaseId} was still running at ${clock(sample.at)} on worker ${sample.workerId} (pid ${life.pid}), ` +
            `which ${life.exit ?? 'exited'} at ${clock(life.exitedAt)}: ${sample.at - deadSince} ms without a live owner (bound ${boundMs} ms)`
        : `release ${sample.releaseId} was running at ${clock(sample.at)} owned by ${sample.workerId ?? 'nobody'}, not a worker this run started`,
    ),
  );
}

/**
 * Nothing twice: each release passes its guard at most once, every guard pass belongs to a release, a
 * release cancelled while queued never runs, and one create request (token; reruns share their
 * original's) makes at most one release.
 */
export function checkRunOnce(runs: GuardRun[], releases: ReleaseRecord[]): Violation[] {
  const found: Violation[] = [];
  for (const run of runs.filter((r) => r.releaseId === null)) {
    found.push(violation('once', `a guard run belongs to no release: ${describeRun(run)} at ${clock(run.startAt ?? run.refusedAt)}`));
  }
  const byRelease = new Map<number, GuardRun[]>();
  for (const run of runs) if (run.releaseId !== null) byRelease.set(run.releaseId, [...(byRelease.get(run.releaseId) ?? []), run]);
  for (const [releaseId, own] of byRelease) {
    if (own.length > 1) {
      found.push(
        violation('once', `release ${releaseId} ran ${own.length} times: ${own.map((r) => `ansible pid ${r.ansiblePid} at ${clock(r.startAt ?? r.refusedAt)}`).join('; ')}`),
      );
    }
    const release = releases.find((r) => r.id === releaseId);
    if (release && release.startedAt === null) {
      found.push(violation('once', `release ${releaseId} (${release.status}, never started) ran: ansible pid ${own[0].ansiblePid} at ${clock(own[0].startAt ?? own[0].refusedAt)}`));
    }
  }
  const byToken = new Map<string, ReleaseRecord[]>();
  for (const release of releases.filter((r) => r.rerunOf === null)) byToken.set(release.token, [...(byToken.get(release.token) ?? []), release]);
  for (const [token, same] of byToken) {
    if (same.length > 1) found.push(violation('once', `create request ${token} made ${same.length} releases: ${same.map((r) => `${r.id} (${r.status})`).join(', ')}`));
  }
  return found;
}

/**
 * Time a create may take to become visible to other transactions: a release stamped `created_at` just
 * before another one started may not have been committed yet, so it could not have blocked it.
 */
export const FIFO_VISIBILITY_MARGIN_MS = 2_000;

/**
 * FIFO per lock key among due releases, as libs/releases documents the lock order: a release joins its
 * lock key's queue when it becomes due (its run_at if scheduled, else its created_at), and due releases
 * start in that order, equal due times by id. So release B must not start at time t while another
 * release A of the same lock key was, at t:
 *   - due (due time ≤ t) and ahead of B (due earlier, or at the same time with a lower id),
 *   - visible: created at least FIFO_VISIBILITY_MARGIN_MS before t,
 *   - still queued: it had neither started nor been cancelled by t (its started_at, or the finished_at of
 *     a release cancelled while queued, is after t, or it never left the queue).
 * A cancel before t takes A out of the order; one after t does not excuse B.
 */
export function checkFifo(releases: ReleaseRecord[]): Violation[] {
  const found: Violation[] = [];
  const dueAt = (r: ReleaseRecord) => r.runAt ?? r.createdAt;
  const ahead = (a: ReleaseRecord, b: ReleaseRecord) => dueAt(a) < dueAt(b) || (dueAt(a) === dueAt(b) && a.id < b.id);
  for (const b of releases.filter((r) => r.startedAt !== null)) {
    const t = b.startedAt!;
    for (const a of releases) {
      if (a.lockKey !== b.lockKey || a.id === b.id || !ahead(a, b)) continue;
      const leftQueueAt = a.startedAt ?? a.finishedAt ?? Number.POSITIVE_INFINITY;
      const visible = a.createdAt <= t - FIFO_VISIBILITY_MARGIN_MS;
      if (visible && dueAt(a) <= t && leftQueueAt > t) {
        found.push(
          violation(
            'fifo',
            `lock ${b.lockKey}: release ${b.id} (due ${clock(dueAt(b))}) started at ${clock(t)} ahead of release ${a.id}, ` +
              `due ${clock(dueAt(a))}, still queued until ${clock(a.startedAt ?? a.finishedAt)} (${a.status})`,
          ),
        );
      }
    }
  }
  return found;
}

/**
 * No ansible process outlives its release: a process of one of this run's ansible trees seen alive after
 * its release's status was final (or belonging to no release at all) for at least `graceMs`, or still
 * alive at the end.
 */
export function checkNoStrayAnsible(sightings: AnsibleSighting[], graceMs: number): Violation[] {
  const stray = sightings.filter((s) => s.releaseId === null || isFinal(s.releaseStatus));
  const byPid = new Map<number, AnsibleSighting[]>();
  for (const s of stray) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s]);
  const found: Violation[] = [];
  for (const [pid, seen] of byPid) {
    const first = seen[0];
    const last = seen[seen.length - 1];
    if (!last.atEnd && last.at - first.at < graceMs) continue;
    const whose = first.releaseId === null ? `belonging to no release (main pid ${first.mainPid ?? 'unknown'})` : `of release ${first.releaseId} (${first.releaseStatus})`;
    found.push(
      violation('ansible', `ansible process ${pid} ${whose} alive from ${clock(first.at)} to ${clock(last.at)}${last.atEnd ? ' and at the end' : ''}: ${first.command.slice(0, 160)}`),
    );
  }
  return found;
}

/** After the settle phase, every release is final; a running one says whether its worker still lives. */
export function checkAllFinal(releases: ReleaseRecord[], lives: WorkerLife[] = []): Violation[] {
  const owner = (workerId: string | null) => {
    const life = lives.find((l) => l.workerId === workerId);
    if (!life) return '';
    return life.exitedAt === null ? ` (pid ${life.pid}, still alive)` : ` (pid ${life.pid}, which ${life.exit} at ${clock(life.exitedAt)})`;
  };
  return releases
    .filter((r) => !isFinal(r.status))
    .map((r) =>
      violation(
        'final',
        `release ${r.id} (${r.lockKey}) is still ${r.status}` +
          (r.status === 'running' ? ` on worker ${r.workerId}${owner(r.workerId)} since ${clock(r.startedAt)}` : ` since ${clock(r.createdAt)}${r.runAt ? `, due ${clock(r.runAt)}` : ''}`) +
          (r.waitingReason ? ` (${r.waitingReason})` : ''),
      ),
    );
}
