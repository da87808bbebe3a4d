import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateMariaDb, PrivateRedis } from '../support/private-servers.js';
import { randomSeed } from '../support/seeded-random.js';
import { REPO_ROOT } from '../support/test-env.js';
import { mainsByRun, readGuardRecords, readLogs, readReleases, readSpawns, resolveSightings } from './collect.js';
import { ChaosRun, LOST_JOB_BOUND_MS, OWNERLESS_BOUND_MS } from './harness.js';
import {
  INVARIANTS,
  type Violation,
  checkAllFinal,
  checkFifo,
  checkLockExclusive,
  checkNoStrayAnsible,
  checkOwnedRunning,
  checkRunOnce,
  checkWholeLogs,
} from './invariants.js';
import { describeOp, generateOps } from './ops.js';
import { attributeGuardRuns } from './records.js';

/**
 * The invariant chaos test (issue 11): many releases of a guarded playbook under random creates (some
 * scheduled), cancels, reruns, worker SIGTERM/SIGKILL, ansible SIGKILL, and Redis and DB restarts (private
 * servers), then the promises checked from outside (invariants.ts). Seeded: the seed is printed, and
 *   CHAOS_SEED=<n> npx vitest run --project chaos        replays one seed (CHAOS_SEED=random: a new one)
 *   CHAOS_DURATION_MS=<ms>                                 sets the length of the ops phase per seed
 * Without CHAOS_SEED it runs the three CI seeds, each about 60–90 s on two cores. `npm run chaos` runs
 * one random seed for 10 minutes. Each run's timeline and records go to test-output/chaos/seed-<n>/.
 */

const CI_SEEDS = [1, 2, 3];
const seeds = process.env.CHAOS_SEED
  ? [process.env.CHAOS_SEED === 'random' ? randomSeed() : Number(process.env.CHAOS_SEED)]
  : CI_SEEDS;
/**
 * 30 s of ops per CI seed: each of seeds 1–3 still schedules every disruption (ops.ts AT_LEAST_ONCE), with
 * 12–23 creates and 3–6 holds longer than a lost worker takes to be reaped; 45 s added ~45 s to every CI
 * run for more of the same. `npm run chaos` is the long run.
 */
const DURATION_MS = Number(process.env.CHAOS_DURATION_MS ?? 30_000);
/**
 * After the last op, the system settles while releases keep starting, finishing or logging: it gives up
 * after SETTLE_QUIET_MS without any (more than a lost job's re-queue plus an ownerless release's reap, and
 * 10 s for a loaded machine), and after SETTLE_CAP_MS in any case.
 */
const SETTLE_QUIET_MS = LOST_JOB_BOUND_MS + OWNERLESS_BOUND_MS + 10_000;
const SETTLE_CAP_MS = 150_000;
/** A process may outlive its release's final status this long (the status write races the exit). */
const STRAY_GRACE_MS = 3_000;

if (seeds.some((seed) => !Number.isSafeInteger(seed) || seed < 0)) throw new Error(`CHAOS_SEED must be a whole number or "random", got ${process.env.CHAOS_SEED}`);
if (!Number.isSafeInteger(DURATION_MS) || DURATION_MS < 5_000) throw new Error('CHAOS_DURATION_MS must be a whole number of milliseconds, at least 5000');

describe('chaos: invariants under random kills and restarts', () => {
  let db: PrivateMariaDb;
  let redis: PrivateRedis;

  beforeAll(async () => {
    [db, redis] = await Promise.all([PrivateMariaDb.create(), PrivateRedis.create()]);
  });

  afterAll(async () => {
    await Promise.all([db?.destroy(), redis?.destroy()]);
  });

  it.each(seeds)(
    'seed %i',
    async (seed) => {
      const schedule = generateOps(seed, DURATION_MS);
      console.log(`chaos seed ${seed} (replay: CHAOS_SEED=${seed} CHAOS_DURATION_MS=${DURATION_MS} npx vitest run --project chaos), ${schedule.length} ops`);
      const run = await ChaosRun.start(seed, db, redis);
      try {
        await run.runOps(schedule);
        await run.settle(SETTLE_QUIET_MS, SETTLE_CAP_MS);
        const { releases, logLines } = await readReleases(run);
        const spawns = readSpawns(run);
        const mains = mainsByRun(run);
        const guardRuns = attributeGuardRuns(readGuardRecords(run), spawns, releases, mains);
        const logs = await readLogs(run, releases, logLines);
        const violations: Violation[] = [
          ...checkLockExclusive(guardRuns, releases),
          ...checkWholeLogs(releases, logs),
          ...checkOwnedRunning(run.samples, run.lives, run.outages, OWNERLESS_BOUND_MS),
          ...checkRunOnce(guardRuns, releases),
          ...checkFifo(releases),
          ...checkNoStrayAnsible(resolveSightings(run, spawns, mains, releases), STRAY_GRACE_MS),
          ...checkAllFinal(releases, run.lives),
        ];
        const outputDir = join(REPO_ROOT, 'test-output', 'chaos', `seed-${seed}`);
        rmSync(outputDir, { recursive: true, force: true });
        mkdirSync(outputDir, { recursive: true });
        writeFileSync(join(outputDir, 'release-logs.txt'), logs.map((l) => `=== release ${l.releaseId}\n${l.apiText ?? '(GET /log failed)'}`).join('\n'));
        writeFileSync(
          join(outputDir, 'run.json'),
          JSON.stringify({ seed, schedule: schedule.map(describeOp), timeline: run.timeline, lives: run.lives, outages: run.outages, releases, guardRuns, spawns, violations }, null, 1),
        );
        run.incarnations.forEach((w, i) => writeFileSync(join(outputDir, `worker-${i}-pid-${w.pid}.log`), w.output));
        const counts = new Map<string, number>();
        for (const r of releases) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
        const byStatus = [...counts].map(([status, n]) => `${n} ${status}`);
        console.log(
          `chaos seed ${seed}: ${releases.length} releases (${byStatus.join(', ')}), ${guardRuns.length} guarded runs, ` +
            `${run.lives.length} worker lives, ${run.outages.length} outages; records in ${outputDir}`,
        );
        const report = violations.map((v) => `[${v.invariant}: ${INVARIANTS[v.invariant]}] ${v.message}`);
        expect(report, `seed ${seed}: ${violations.length} violations`).toEqual([]);
      } finally {
        await run.close();
      }
    },
    DURATION_MS + SETTLE_CAP_MS + 240_000,
  );
});
