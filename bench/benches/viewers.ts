import { Agent, type IncomingMessage, get } from 'node:http';
import { PrivateMariaDb } from '../../test/support/private-servers.js';
import { waitFor } from '../../test/support/wait-for.js';
import { type BenchResult, runInfo, machineInfo } from '../lib/report.js';
import { FINAL_STATUSES, MiB, Stack, rssBytes, sampleRss } from '../lib/stack.js';
import { distribution, nowMs, percentile, round } from '../lib/stats.js';

export interface ViewersOptions {
  /** SSE clients on the one release. */
  clients: number;
  /** Lines per second the stub prints. */
  rate: number;
  seconds: number;
}

const API_DB_USER = 'bench_viewers_api';
/** One line in this many is timed (every line is checked for order): 2 000 clients × 100 000 lines would not fit otherwise. */
const LAG_SAMPLE_EVERY = 50;
const STAMP = /t=([\d.]+)/;
/** How long the viewers may take to read to the end once the lines flow; past it the figures say how many did. */
const DEADLINE_MS = 300_000;

/** One viewer: follows the stream to its end, resuming with Last-Event-ID when the API drops it. */
class Viewer {
  expected = 1;
  outOfOrder = 0;
  drops = 0;
  errors = 0;
  serverErrors = 0;
  refused = 0;
  /** Every answer other than 200, by status code. */
  readonly refusals = new Map<number, number>();
  lags: number[] = [];
  ended = false;
  private stopped = false;
  private rest = '';

  constructor(
    private readonly url: URL,
    private readonly token: string,
    private readonly agent: Agent,
  ) {}

  follow(): Promise<void> {
    return new Promise((resolve) => {
      const connect = () => {
        if (this.stopped) return resolve();
        const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${this.token}` };
        if (this.expected > 1) headers['last-event-id'] = String(this.expected - 1);
        const request = get(this.url, { agent: this.agent, headers }, (response: IncomingMessage) => {
          if (response.statusCode !== 200) {
            this.refusals.set(response.statusCode ?? 0, (this.refusals.get(response.statusCode ?? 0) ?? 0) + 1);
            if ((response.statusCode ?? 0) >= 500) this.serverErrors++;
            else this.refused++;
            response.resume();
            return response.once('end', () => setTimeout(connect, 500));
          }
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => this.feed(chunk));
          response.once('close', () => {
            this.rest = '';
            if (this.ended) return resolve();
            this.drops++;
            setTimeout(connect, 100);
          });
        });
        request.once('error', () => {
          this.errors++;
          setTimeout(connect, 500);
        });
      };
      connect();
    });
  }

  /** Stops reconnecting (the bench is over); the agent's sockets are destroyed by the caller. */
  stop(): void {
    this.stopped = true;
  }

  /** A light SSE reader: every `log` frame's id is checked, one in LAG_SAMPLE_EVERY is timed. */
  private feed(chunk: string): void {
    const text = this.rest + chunk;
    let start = 0;
    for (let end = text.indexOf('\n\n', start); end >= 0; end = text.indexOf('\n\n', start)) {
      const frame = text.slice(start, end);
      start = end + 2;
      if (frame.startsWith('id: ')) {
        const seq = Number(frame.slice(4, frame.indexOf('\n')));
        if (seq !== this.expected) this.outOfOrder++;
        this.expected = seq + 1;
        if (seq % LAG_SAMPLE_EVERY === 0) {
          const stamp = STAMP.exec(frame);
          if (stamp) this.lags.push(nowMs() - Number(stamp[1]));
        }
      } else if (frame.startsWith('event: end')) {
        this.ended = true;
      }
    }
    this.rest = text.slice(start);
  }
}

/**
 * Viewers: `clients` SSE clients follow one release whose stub prints `rate` lines/s for `seconds`.
 * Per client: every line in order (resuming after a drop counts, as EventSource and the CLI do) and
 * the lag of sampled lines (printed → read by the client). The API runs on a private mariadbd with user
 * statistics, so its own DB statements per second are counted apart from the worker's; its RSS is sampled.
 */
export async function benchViewers(options: ViewersOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const machineAtStart = machineInfo();
  const mariadb = await PrivateMariaDb.create(['--userstat=1', '--max-connections=200', '--innodb-buffer-pool-size=128M']);
  let stack: Stack | null = null;
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const viewers: Viewer[] = [];
  try {
    stack = await Stack.start({
      name: 'viewers',
      workers: 1,
      mariadbUrl: mariadb.url(),
      apiDbUser: API_DB_USER,
      apiEnv: { SSE_MAX_STREAMS_PER_TOKEN: String(options.clients + 10) },
    });
    const apiStatements = async () => {
      const rows = await mariadb.query<{ n: string }>(
        'SELECT SELECT_COMMANDS + UPDATE_COMMANDS + OTHER_COMMANDS AS n FROM information_schema.USER_STATISTICS WHERE USER = ?',
        [API_DB_USER],
      );
      return Number(rows[0]?.n ?? 0);
    };
    const total = options.rate * options.seconds;
    const rssBefore = rssBytes(stack.api.pid);
    // The stub waits before printing, long enough for every client to connect.
    const pauseMs = Math.max(2_000, options.clients * 5);
    const created = await stack.client.createRelease({
      template: 'stub-0',
      extraVars: { stub_lines: total, stub_rate: options.rate, stub_line_bytes: 80, stub_sleep_ms: pauseMs },
    });
    const url = new URL(`${stack.api.url}/api/v1/releases/${created.id}/events`);
    viewers.push(...Array.from({ length: options.clients }, () => new Viewer(url, stack!.env.bootstrapToken, agent)));
    const rss = sampleRss(stack.api.pid, 200);
    const following = Promise.all(viewers.map((viewer) => viewer.follow()));
    // Count from the first line printed to the last line read: the part whose cost could grow with viewers.
    await waitFor('the first line', async () => {
      const rows = await stack!.query<{ n: number }>('SELECT log_lines AS n FROM releases WHERE id = ?', [created.id]);
      return Number(rows[0]?.n) > 0;
    }, { timeoutMs: pauseMs + 120_000, intervalMs: 20 });
    const statementsAtStart = await apiStatements();
    const flowStarted = Date.now();
    let deadline: NodeJS.Timeout | undefined;
    const finishedInTime = await Promise.race([
      following.then(() => true),
      new Promise<boolean>((resolve) => (deadline = setTimeout(() => resolve(false), DEADLINE_MS))),
    ]);
    clearTimeout(deadline);
    const flowMs = Date.now() - flowStarted;
    const statements = (await apiStatements()) - statementsAtStart;
    const rssSamples = rss.stop();
    const done = await stack.query<{ status: string; log_lines: number }>('SELECT status, log_lines FROM releases WHERE id = ?', [created.id]);
    if (!FINAL_STATUSES.includes(done[0]?.status ?? '')) throw new Error(`release ${created.id} did not finish`);
    const lines = Number(done[0]?.log_lines);

    const whole = viewers.filter((v) => v.outOfOrder === 0 && v.expected === lines + 1 && v.ended).length;
    const behind = viewers.filter((v) => !v.ended).map((v) => lines + 1 - v.expected);
    const drops = viewers.reduce((n, v) => n + v.drops, 0);
    const serverErrors = viewers.reduce((n, v) => n + v.serverErrors, 0);
    const refused = viewers.reduce((n, v) => n + v.refused, 0);
    const byStatus = new Map<number, number>();
    for (const viewer of viewers) for (const [code, n] of viewer.refusals) byStatus.set(code, (byStatus.get(code) ?? 0) + n);
    const answers = [...byStatus].map(([code, n]) => `${n} × ${code}`).join(', ') || 'none';
    const perClientP50 = viewers.map((v) => percentile(v.lags, 50)).filter(Number.isFinite);
    const perClientP99 = viewers.map((v) => percentile(v.lags, 99)).filter(Number.isFinite);
    const allLags = distribution(viewers.flatMap((v) => v.lags));
    const perSecond = statements / (flowMs / 1000);
    const rssMax = Math.max(...rssSamples, 0);
    return {
      bench: 'viewers',
      title: `Viewers (${options.clients} SSE clients on one release, ${options.rate} lines/s for ${options.seconds} s)`,
      ...(await runInfo(startedAt, machineAtStart, stack)),
      settings: { ...options, lines: total },
      figures: [
        {
          figure: `viewers that got every line in order (${options.clients} clients)`,
          unit: 'clients',
          value: whole,
          target: `${options.clients}`,
          met: whole === options.clients,
          note: `${drops} drops (client too far behind, resumed with Last-Event-ID), ${refused} refusals (4xx), ${viewers.reduce((n, v) => n + v.errors, 0)} connection errors, ${viewers.reduce((n, v) => n + v.outOfOrder, 0)} lines out of order${finishedInTime ? '' : `; ${behind.length} viewers had not reached the end ${DEADLINE_MS / 1000} s after the first line (median ${percentile(behind, 50)} lines behind)`}`,
        },
        { figure: 'viewer answers with 5xx', unit: '', value: serverErrors, target: '0', met: serverErrors === 0, note: `answers other than 200: ${answers}` },
        {
          figure: 'log lag per viewer: p50 of the viewers\' medians / p99 of their p99s (line printed → read)',
          unit: 'ms',
          median: round(percentile(perClientP50, 50), 1),
          p99: round(percentile(perClientP99, 99), 1),
          target: 'context (log-lag bench: one viewer)',
          met: null,
          note: `all sampled lines: p50 ${round(allLags.p50, 1)} ms, p99 ${round(allLags.p99, 1)} ms, max ${round(allLags.max, 1)} ms (1 line in ${LAG_SAMPLE_EVERY} timed); lines flowed for ${round(flowMs / 1000, 1)} s against ${options.seconds} s printed`,
        },
        {
          figure: 'API DB statements/s while the lines flow',
          unit: '/s',
          value: round(perSecond, 1),
          target: 'independent of the viewer count (≤ 10/s: one row read per second per release, plus catch-up)',
          met: perSecond <= 10,
          note: `${statements} statements in ${round(flowMs / 1000, 1)} s (MariaDB USER_STATISTICS of the API's DB user), a resumption reads its catch-up from the DB (${drops} resumptions)`,
        },
        {
          figure: 'API RSS, highest sample while viewers are connected',
          unit: 'MiB',
          value: round(rssMax / MiB, 0),
          target: 'bounded (not growing with lines × viewers)',
          met: null,
          note: `${round(rssBefore / MiB, 0)} MiB before the viewers connected`,
        },
      ],
      distributions: { viewerLag: allLags },
    };
  } finally {
    for (const viewer of viewers) viewer.stop();
    agent.destroy(); // ends any viewer still reading after the deadline
    await stack?.close();
    await mariadb.destroy();
  }
}
