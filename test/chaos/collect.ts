import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryDb } from '../support/test-env.js';
import type { StoredChunk } from '../support/stored-log.js';
import type { ChaosRun } from './harness.js';
import {
  type AnsibleSighting,
  type GuardRecord,
  type ReleaseRecord,
  type SpawnRecord,
  type RunMains,
  type StoredLog,
  releaseOfToken,
  spawnOfProcess,
} from './records.js';

/** Reads what the checks need from outside the system, once it has settled. */

interface ReleaseRow {
  id: number;
  lock_key: string;
  status: string;
  extra_vars: string | Record<string, unknown>;
  rerun_of: number | null;
  worker_id: string | null;
  reason: string | null;
  waiting_reason: string | null;
  log_lines: number;
  created_at: Date;
  run_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
}

const ms = (date: Date | null) => (date === null ? null : date.getTime());

export async function readReleases(run: ChaosRun): Promise<{ releases: ReleaseRecord[]; logLines: Map<number, number> }> {
  const rows = await queryDb<ReleaseRow>(run.env.databaseUrl, 'SELECT * FROM releases ORDER BY id');
  const releases = rows.map((row) => {
    const vars = (typeof row.extra_vars === 'string' ? JSON.parse(row.extra_vars) : row.extra_vars) as Record<string, unknown>;
    return {
      id: Number(row.id),
      lockKey: row.lock_key,
      status: row.status,
      token: String(vars.token),
      lines: Number(vars.lines),
      rerunOf: row.rerun_of === null ? null : Number(row.rerun_of),
      workerId: row.worker_id,
      reason: row.reason,
      waitingReason: row.waiting_reason,
      createdAt: row.created_at.getTime(),
      runAt: ms(row.run_at),
      startedAt: ms(row.started_at),
      finishedAt: ms(row.finished_at),
    };
  });
  return { releases, logLines: new Map(rows.map((row) => [Number(row.id), Number(row.log_lines)])) };
}

/** Each release's chunks straight from the DB, and its log as `GET /log` serves it. */
export async function readLogs(run: ChaosRun, releases: ReleaseRecord[], logLines: Map<number, number>): Promise<StoredLog[]> {
  const chunks = await queryDb<StoredChunk & { release_id: number }>(
    run.env.databaseUrl,
    'SELECT release_id, first_seq, last_seq, content FROM release_log_chunks ORDER BY release_id, first_seq',
  );
  const logs: StoredLog[] = [];
  for (const release of releases) {
    const answer = await run.client.request('GET', `/api/v1/releases/${release.id}/log`).catch(() => null);
    logs.push({
      releaseId: release.id,
      chunks: chunks.filter((c) => Number(c.release_id) === release.id),
      logLinesColumn: logLines.get(release.id) ?? 0,
      apiText: answer?.status === 200 ? answer.text : null,
    });
  }
  return logs;
}

export function readGuardRecords(run: ChaosRun): GuardRecord[] {
  let text: string;
  try {
    text = readFileSync(join(run.projectDir, 'guard', 'records.jsonl'), 'utf8');
  } catch {
    return []; // no guard ever ran
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as GuardRecord);
}

/** The workers' "release N: ansible-playbook pid P" lines, from every incarnation's output. */
export function readSpawns(run: ChaosRun): SpawnRecord[] {
  return run.incarnations.flatMap((worker) =>
    worker.jsonLines().flatMap((line) =>
      typeof line.ansiblePid === 'number' && typeof line.releaseId === 'number'
        ? [{ releaseId: line.releaseId, ansiblePid: line.ansiblePid, at: Date.parse(String(line.time)), workerPid: worker.pid }]
        : [],
    ),
  );
}

/**
 * Each run's spawned process (its ansible-playbook main, or the wrapper the worker started it under and
 * logged the pid of), by the run's command line, from the sampler's sightings.
 */
export function mainsByRun(run: ChaosRun): RunMains {
  const mains: RunMains = new Map();
  for (const s of run.sightings) if (s.isMain && s.spawned && s.run !== null && !mains.has(s.run)) mains.set(s.run, s.spawned);
  return mains;
}

/** guard.sh <dir> <lock key> <token> <hold ms>: the token of a guard seen without its ansible tree. */
const GUARD_TOKEN = /guard\.sh \S+ \S+ (\S+) \d+$/;

/**
 * The sampler's sightings with their release and its status then: through their run's main process and
 * its spawn line, or their own spawn line (a wrapper above ansible), or for a guard that never showed
 * its tree, through the token on its command line.
 */
export function resolveSightings(run: ChaosRun, spawns: SpawnRecord[], mains: RunMains, releases: ReleaseRecord[]): AnsibleSighting[] {
  return run.sightings
    .filter((s) => s.statuses !== null)
    .map((s) => {
      const main = s.run === null ? undefined : mains.get(s.run);
      const token = GUARD_TOKEN.exec(s.command)?.[1];
      // A process above ansible (a wrapper the worker spawned, such as a per-run supervisor, maybe still
      // being exec'd through a shim) is the spawned process itself.
      const releaseId =
        (main ? spawnOfProcess(main.pid, main.startMs, spawns)?.releaseId : undefined) ??
        (s.run === null ? spawnOfProcess(s.pid, s.startMs, spawns)?.releaseId : undefined) ??
        (token ? releaseOfToken(token, s.at, releases)?.id : undefined) ??
        null;
      return {
        at: s.at,
        pid: s.pid,
        command: s.command,
        mainPid: main?.pid ?? null,
        releaseId,
        releaseStatus: releaseId === null ? null : s.statuses!.get(releaseId) ?? null,
        atEnd: s.atEnd,
      };
    });
}
