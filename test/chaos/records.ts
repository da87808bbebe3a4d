import type { StoredChunk } from '../support/stored-log.js';

/**
 * What the chaos harness gathers from outside the system (DB rows, guard files, worker logs, the process
 * table, its own clock) and the invariant checks read. Times are epoch milliseconds.
 */

export const FINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'interrupted'] as const;

export function isFinal(status: string | null | undefined): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status ?? '');
}

/** A row of `releases`, with the chaos vars it was created with. */
export interface ReleaseRecord {
  id: number;
  lockKey: string;
  status: string;
  /** The create request's chaos token (extraVars.token); a rerun carries its original's. */
  token: string;
  /** Numbered lines the playbook prints (extraVars.lines). */
  lines: number;
  rerunOf: number | null;
  workerId: string | null;
  reason: string | null;
  waitingReason: string | null;
  createdAt: number;
  runAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
}

/** One release's stored log: the chunks in the DB, the `log_lines` column, and `GET /log` as text. */
export interface StoredLog {
  releaseId: number;
  chunks: StoredChunk[];
  logLinesColumn: number;
  /** null when the API could not be asked (the check says so instead of passing). */
  apiText: string | null;
}

/** A line of the guard's records.jsonl (test/fixtures/chaos/guard.sh). */
export interface GuardRecord {
  event: 'start' | 'end' | 'refused';
  key: string;
  token: string;
  ansiblePid: number;
  guardPid: number;
  at: number;
  /** The ansible-playbook command line (commandKey form): which run the guard belongs to. */
  ansibleCommand?: string;
}

/** A worker's "release N: ansible-playbook pid P" log line. */
export interface SpawnRecord {
  releaseId: number;
  ansiblePid: number;
  at: number;
  workerPid: number;
}

/** One pass of the playbook through its guard, attributed to the release whose ansible ran it. */
export interface GuardRun {
  releaseId: number | null;
  /**
   * How releaseId was found: the run's main process (by command line) in a worker's spawn lines, or the
   * guard's ansible pid there (the token agreeing either way), or the token and the release's run times.
   */
  attributedBy: 'run' | 'pid' | 'token' | 'none';
  key: string;
  token: string;
  ansiblePid: number;
  guardPid: number;
  startAt: number | null;
  endAt: number | null;
  refusedAt: number | null;
}

/** A release the sampler saw `running`, and who owned it. */
export interface RunningSample {
  at: number;
  releaseId: number;
  workerId: string | null;
}

/** One incarnation of a worker process started by the harness. */
export interface WorkerLife {
  workerId: string;
  pid: number;
  /** When it said it was ready (from then on it can reap others' releases). */
  readyAt: number;
  exitedAt: number | null;
  exit: string | null;
}

/**
 * A time nothing could be reaped: a private server down (stopped until started again), or no worker
 * alive; `to` null if it never ended.
 */
export interface Outage {
  server: 'redis' | 'db' | 'workers';
  from: number;
  to: number | null;
}

/**
 * A process of one of this run's ansible-playbook trees seen alive by the sampler, with the status its
 * release had in the DB read just before (so a final status there means the process outlived it).
 */
export interface AnsibleSighting {
  at: number;
  pid: number;
  command: string;
  /** The ansible-playbook main process it belongs to (itself, its parent, or remembered from earlier). */
  mainPid: number | null;
  releaseId: number | null;
  releaseStatus: string | null;
  /** Taken after the system was allowed to settle (the last look). */
  atEnd: boolean;
}

/** Times as the test prints them: UTC time of day with milliseconds. */
export function clock(at: number | null | undefined): string {
  return at === null || at === undefined ? 'never' : new Date(at).toISOString().slice(11, 23);
}

/** The latest spawn of `pid` at or before `at` (pids are reused, so time decides). */
export function spawnOf(pid: number, at: number, spawns: SpawnRecord[]): SpawnRecord | undefined {
  return spawns.filter((s) => s.ansiblePid === pid && s.at <= at).sort((a, b) => b.at - a.at)[0];
}

/**
 * The spawn of a process that started at `startMs` (read from /proc, good to ~10 ms): the first log
 * line naming its pid from just before its start on (the worker logs the pid right after spawning).
 */
export function spawnOfProcess(pid: number, startMs: number, spawns: SpawnRecord[]): SpawnRecord | undefined {
  return spawns.filter((s) => s.ansiblePid === pid && s.at >= startMs - 1_500).sort((a, b) => a.at - b.at)[0];
}

/**
 * The release a process carrying `token` belongs to at `at`: of the releases with that token (an
 * original and its reruns) the one running then, else the only one started by then, else none.
 */
export function releaseOfToken(token: string, at: number, releases: ReleaseRecord[]): ReleaseRecord | undefined {
  const started = releases.filter((r) => r.token === token && r.startedAt !== null && r.startedAt <= at);
  const runningThen = started.filter((r) => (r.finishedAt ?? Number.POSITIVE_INFINITY) >= at);
  return runningThen.length === 1 ? runningThen[0] : started.length === 1 ? started[0] : undefined;
}

/** The process the worker spawned for a run (its main, or the main's wrapper), by the run's commandKey. */
export type RunMains = Map<string, { pid: number; startMs: number }>;

/**
 * Groups guard records into runs (one guard process each) and names each run's release, with the run's
 * token agreeing: through the main process of its command line (seen by the sampler) and that main's
 * spawn line; else through the guard's ansible pid in the spawn lines (the latest spawn before); else by
 * the token alone: the one release with it that was running then, or the only one started by then
 * (reruns share their original's token).
 */
export function attributeGuardRuns(records: GuardRecord[], spawns: SpawnRecord[], releases: ReleaseRecord[], mains: RunMains = new Map()): GuardRun[] {
  const byGuard = new Map<string, GuardRecord[]>();
  for (const record of records) {
    const key = `${record.guardPid}/${record.ansiblePid}/${record.token}/${record.key}`;
    byGuard.set(key, [...(byGuard.get(key) ?? []), record]);
  }
  return [...byGuard.values()].map((group) => {
    const first = group.reduce((a, b) => (a.at <= b.at ? a : b));
    const at = (event: GuardRecord['event']) => group.find((r) => r.event === event)?.at ?? null;
    const withToken = (spawn: SpawnRecord | undefined) => releases.find((r) => r.id === spawn?.releaseId && r.token === first.token);
    const main = first.ansibleCommand ? mains.get(first.ansibleCommand) : undefined;
    const byRun = main ? withToken(spawnOfProcess(main.pid, main.startMs, spawns)) : undefined;
    const byPid = withToken(spawnOf(first.ansiblePid, first.at, spawns));
    const byToken = releaseOfToken(first.token, first.at, releases);
    const [release, attributedBy]: [ReleaseRecord | undefined, GuardRun['attributedBy']] = byRun
      ? [byRun, 'run']
      : byPid
        ? [byPid, 'pid']
        : byToken
          ? [byToken, 'token']
          : [undefined, 'none'];
    return {
      releaseId: release?.id ?? null,
      attributedBy,
      key: first.key,
      token: first.token,
      ansiblePid: first.ansiblePid,
      guardPid: first.guardPid,
      startAt: at('start'),
      endAt: at('end'),
      refusedAt: at('refused'),
    };
  });
}
