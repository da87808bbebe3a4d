import { RELEASE_COUNTERS_TABLE, LOG_LINE_COUNTERS_TABLE, backfillReleaseCounters } from '../../libs/db/src/release-counters.js';
import { RELEASE_DURATION_BUCKETS } from '../../libs/observability/src/metrics/cluster-metrics.js';
import { type BenchResult, type Figure, machineInfo, runInfo } from '../lib/report.js';
import { Stack } from '../lib/stack.js';
import { distribution, nowMs, round } from '../lib/stats.js';

export interface HistoryOptions {
  /** Finished releases seeded by SQL (the issue: 1 000 000). */
  releases: number;
  /** Timed requests per figure (after one warm-up). */
  samples: number;
}

const TEMPLATES = 4;
const REQUESTERS = 20;
/** Seeded history: one release every SPACING_S seconds, ending now (1 M releases ≈ a year). */
const SPACING_S = 30;
const SEED_BATCH = 100_000;
const LOG_LINES = 2_000;

/**
 * History: `releases` finished releases (and one audit entry each) seeded by SQL, INSERT … SELECT from
 * MariaDB's sequence tables, then the reads whose cost must not grow with them timed through the HTTP API:
 * /metrics, the releases list (first page, a deep page, each filter the dashboard offers), the audit
 * list, and the release page's reads. The counters of /metrics are backfilled the way the migration does.
 */
export async function benchHistory(options: HistoryOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const machineAtStart = machineInfo();
  const stack = await Stack.start({ name: 'history', workers: 0, stubTemplates: TEMPLATES });
  try {
    const seedStart = nowMs();
    const n = options.releases;
    const firstAt = Date.now() - n * SPACING_S * 1000;
    for (let from = 1; from <= n; from += SEED_BATCH) {
      const to = Math.min(n, from + SEED_BATCH - 1);
      // Mostly succeeded, some failed, cancelled and interrupted; run times from 1 s to 10 min.
      await stack.query(
        `INSERT INTO releases (template, inventory, extra_vars, lock_key, status, exit_code, worker_id, requested_by, log_lines,
                               created_at, started_at, finished_at)
         SELECT CONCAT('stub-', seq % ${TEMPLATES}), 'local', '{}', CONCAT('stub-', seq % ${TEMPLATES}, ':local'),
                ELT(1 + (seq % 50 > 44) + (seq % 50 > 46) + (seq % 50 > 48), 'succeeded', 'failed', 'cancelled', 'interrupted'),
                IF(seq % 50 > 44 AND seq % 50 <= 46, 2, 0), 'bench-worker', CONCAT('ci-', seq % ${REQUESTERS}), seq % 100,
                t, t + INTERVAL 1 SECOND, t + INTERVAL (1 + seq % 600) SECOND
           FROM (SELECT seq, FROM_UNIXTIME(? + seq * ${SPACING_S}) AS t FROM seq_${from}_to_${to}) AS s`,
        [Math.floor(firstAt / 1000)],
      );
      await stack.query(
        `INSERT INTO audit_entries (at, actor, action, target_type, target_id, details)
         SELECT FROM_UNIXTIME(? + seq * ${SPACING_S}), CONCAT('ci-', seq % ${REQUESTERS}), IF(seq % 10 = 0, 'release.cancel', 'release.create'),
                'release', seq, '{}' FROM seq_${from}_to_${to}`,
        [Math.floor(firstAt / 1000)],
      );
    }
    // A few live ones (read by /metrics from the table) and one release with a log for the release page.
    await stack.query(
      `INSERT INTO releases (template, inventory, extra_vars, lock_key, status, worker_id, requested_by, created_at, started_at)
       SELECT 'stub-0', 'local', '{}', CONCAT('live:', seq), IF(seq <= 5, 'running', 'queued'), 'bench-worker', 'ci-1', NOW(3), IF(seq <= 5, NOW(3), NULL)
         FROM seq_1_to_25`,
    );
    const [{ id: pageId }] = await stack.query<{ id: number }>('SELECT MAX(id) AS id FROM releases WHERE status = ?', ['succeeded']);
    const chunk = Array.from({ length: 100 }, (_, i) => `TASK [line ${i}] ${'x'.repeat(80)}`).join('\n');
    await stack.query(
      `INSERT INTO release_log_chunks (release_id, first_seq, last_seq, content) SELECT ?, 1 + (seq - 1) * 100, seq * 100, ? FROM seq_1_to_${LOG_LINES / 100}`,
      [pageId, chunk],
    );
    await stack.query('UPDATE releases SET log_lines = ? WHERE id = ?', [LOG_LINES, pageId]);
    await stack.query(`DELETE FROM ${RELEASE_COUNTERS_TABLE}`);
    await stack.query(`DELETE FROM ${LOG_LINE_COUNTERS_TABLE}`);
    await backfillReleaseCounters((sql) => stack.query(sql), RELEASE_DURATION_BUCKETS);
    await stack.query('ANALYZE TABLE releases, audit_entries');
    const seedSeconds = (nowMs() - seedStart) / 1000;

    // Cursors deep in the history: 90 % of the way back, and inside a day in the middle of it.
    const deepId = Math.max(1, Math.floor(n * 0.1));
    const midDay = new Date(firstAt + Math.floor(n / 2) * SPACING_S * 1000);
    const dayStart = new Date(Date.UTC(midDay.getUTCFullYear(), midDay.getUTCMonth(), midDay.getUTCDate()));
    const dayEnd = new Date(dayStart.getTime() + 86_400_000);
    const [{ id: inDayId }] = await stack.query<{ id: number }>(
      'SELECT id FROM releases WHERE created_at >= ? AND created_at < ? ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 1000',
      [dayStart, dayEnd],
    ).then((rows) => (rows.length > 0 ? rows : [{ id: deepId }]));
    const range = `createdFrom=${dayStart.toISOString()}&createdTo=${dayEnd.toISOString()}`;

    const token = stack.env.bootstrapToken;
    const time = async (path: string, auth = true): Promise<number[]> => {
      const get = async () => {
        const t0 = nowMs();
        const response = await fetch(`${stack.api.url}${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
        const body = await response.text();
        const ms = nowMs() - t0;
        if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${body.slice(0, 300)}`);
        return ms;
      };
      await get(); // warm-up
      const samples: number[] = [];
      for (let i = 0; i < options.samples; i++) samples.push(await get());
      return samples;
    };
    const list = '/api/v1/releases?limit=50';
    const audit = '/api/v1/audit?limit=50';
    const reads: [string, string, number | null, boolean?][] = [
      ['/metrics', '/metrics', 100, false],
      ['releases: first page', list, 20],
      [`releases: deep page (before ${deepId})`, `${list}&before=${deepId}`, 20],
      ['releases: status=failed, first page', `${list}&status=failed`, 20],
      ['releases: status=failed, deep page', `${list}&status=failed&before=${deepId}`, 20],
      ['releases: template, first page', `${list}&template=stub-1`, 20],
      ['releases: template, deep page', `${list}&template=stub-1&before=${deepId}`, 20],
      ['releases: requestedBy, first page', `${list}&requestedBy=ci-7`, 20],
      ['releases: requestedBy, deep page', `${list}&requestedBy=ci-7&before=${deepId}`, 20],
      ['releases: one day (from/to), first page', `${list}&${range}`, 20],
      ['releases: one day (from/to), deep in it', `${list}&${range}&before=${inDayId}`, 20],
      ['releases: status + template + requester + day', `${list}&status=succeeded&template=stub-2&requestedBy=ci-2&${range}`, 20],
      ['releases: newer page (after, deep)', `${list}&after=${deepId}`, 20],
      ['audit: first page', audit, 20],
      [`audit: deep page (before ${deepId})`, `${audit}&before=${deepId}`, 20],
      ['audit: actor, deep page', `${audit}&actor=ci-3&before=${deepId}`, 20],
      ['audit: action, deep page', `${audit}&action=release.cancel&before=${deepId}`, 20],
      ['audit: target release', `/api/v1/audit?targetType=release&targetId=${deepId}`, 20],
      ['release page: the release', `/api/v1/releases/${pageId}`, 20],
      // Its cost follows the log's size, not the history's: shown for context, without a target.
      [`release page: its log (${LOG_LINES} lines)`, `/api/v1/releases/${pageId}/log?after=0`, null],
    ];
    const figures: Figure[] = [];
    const distributions: BenchResult['distributions'] = {};
    for (const [name, path, targetMs, auth] of reads) {
      const d = distribution(await time(path, auth ?? true));
      distributions[name] = d;
      figures.push({
        figure: `history ${n}: ${name}`,
        unit: 'ms',
        median: round(d.p50, 1),
        p99: round(d.p99, 1),
        target: targetMs === null ? 'flat in history' : `≤ ${targetMs} ms`,
        met: targetMs === null ? null : d.p50 <= targetMs,
      });
    }
    figures.push({
      figure: `history ${n}: seeding by SQL`,
      unit: 's',
      value: round(seedSeconds, 1),
      target: '',
      met: null,
      note: `${n} releases and ${n} audit entries, INSERT … SELECT from seq_1_to_N in batches of ${SEED_BATCH}, then the counters backfilled and ANALYZE`,
    });
    return {
      bench: 'history',
      title: `History (${n} releases)`,
      ...(await runInfo(startedAt, machineAtStart, stack)),
      settings: { ...options },
      figures,
      distributions,
    };
  } finally {
    await stack.close();
  }
}
