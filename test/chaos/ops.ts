import { SeededRandom } from '../support/seeded-random.js';

/** Lanes of the chaos catalog (test/fixtures/chaos/catalog.yml): lock keys guarded:lane1..3. */
export const LANES = 3;
export const WORKERS = 2;

/**
 * One thing the harness does to the system. Targets that only exist at run time (a release, an ansible
 * process) are named by position, so a replay picks "the same" one: `nthLatest` counts back from the
 * newest release the harness created (0 = newest), `pick` indexes the live ansible-playbook main
 * processes sorted by pid (modulo their number). Which state a target is in when the op lands depends on
 * timing, which no seed controls on a shared machine.
 */
export type ChaosOp =
  | { kind: 'create'; token: string; lane: number; lines: number; holdMs: number; runAtInMs: number | null }
  | { kind: 'cancel'; nthLatest: number }
  | { kind: 'rerun'; nthLatest: number }
  | { kind: 'worker-term'; worker: number }
  | { kind: 'worker-kill'; worker: number; restartAfterMs: number }
  | { kind: 'ansible-kill'; pick: number }
  | { kind: 'redis-restart'; downMs: number }
  | { kind: 'db-restart'; downMs: number };

export interface ScheduledOp {
  /** When to apply it, from the start of the ops phase. */
  atMs: number;
  op: ChaosOp;
}

type Kind = ChaosOp['kind'];

const WEIGHTS: Record<Kind, number> = {
  create: 40,
  cancel: 9,
  rerun: 5,
  'worker-term': 3,
  'worker-kill': 4,
  'ansible-kill': 5,
  'redis-restart': 2,
  'db-restart': 2,
};

/** Every disruption appears at least once per run, whatever the seed (each run proves all of them). */
const AT_LEAST_ONCE: Kind[] = ['cancel', 'rerun', 'worker-term', 'worker-kill', 'ansible-kill', 'redis-restart', 'db-restart'];

const MIN_GAP_MS = 300;
const MAX_GAP_MS = 1_700;
/** The last stretch has no ops, so the last releases created still meet the disruptions' aftermath. */
const QUIET_TAIL_MS = 3_000;

/** The whole schedule for `seed`: a pure function, so a seed always names the same run. */
export function generateOps(seed: number, durationMs: number): ScheduledOp[] {
  const random = new SeededRandom(seed);
  const ops: ScheduledOp[] = [];
  let creates = 0;
  const create = (): ChaosOp => ({
    kind: 'create',
    token: `s${seed}-c${++creates}`,
    lane: random.int(1, LANES),
    // Mostly short logs; now and then one long enough to be stored in hundreds of chunks.
    lines: random.chance(0.08) ? random.int(500, 800) : random.int(3, 40),
    // Mostly short holds; some as long as a real deploy step, longer than a lost worker takes to be
    // reaped, so a run that outlives its worker is still inside its guard when the next one starts.
    holdMs: random.chance(0.2) ? random.int(10_000, 20_000) : random.int(200, 2_500),
    // Far enough ahead that a create retried after a 503 is not refused for a runAt in the past.
    runAtInMs: random.chance(0.25) ? random.int(4_000, 12_000) : null,
  });
  const make = (kind: Kind): ChaosOp => {
    switch (kind) {
      case 'create':
        return create();
      case 'cancel':
        return { kind, nthLatest: random.int(0, 4) };
      case 'rerun':
        return { kind, nthLatest: random.int(0, 6) };
      case 'worker-term':
        return { kind, worker: random.int(0, WORKERS - 1) };
      case 'worker-kill':
        return { kind, worker: random.int(0, WORKERS - 1), restartAfterMs: random.int(0, 3_000) };
      case 'ansible-kill':
        return { kind, pick: random.int(0, 1_000) };
      case 'redis-restart':
      case 'db-restart':
        return { kind, downMs: random.int(0, 2_000) };
    }
  };
  // The first ops create releases, so the first disruption has something to disrupt.
  for (let at = 0, i = 0; at < durationMs - QUIET_TAIL_MS; at += random.int(MIN_GAP_MS, MAX_GAP_MS), i++) {
    ops.push({ atMs: at, op: make(i < 3 ? 'create' : random.weighted(WEIGHTS)) });
  }
  for (const kind of AT_LEAST_ONCE) {
    if (ops.some(({ op }) => op.kind === kind)) continue;
    ops.push({ atMs: random.int(Math.min(5_000, durationMs / 4), Math.max(durationMs - QUIET_TAIL_MS, 1)), op: make(kind) });
  }
  return ops.sort((a, b) => a.atMs - b.atMs);
}

/** One line per op, for the test output (what a replay of this seed will do). */
export function describeOp({ atMs, op }: ScheduledOp): string {
  const { kind, ...args } = op;
  return `+${(atMs / 1000).toFixed(1)}s ${kind} ${JSON.stringify(args)}`;
}
