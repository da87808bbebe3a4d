import { type EventSourceMessage, createParser } from 'eventsource-parser';
import { ReleaseEventTap } from '../lib/event-tap.js';
import { type BenchResult, runInfo, machineInfo } from '../lib/report.js';
import { Stack } from '../lib/stack.js';
import { distribution, nowMs, round } from '../lib/stats.js';

export interface LogLagOptions {
  /** Lines per second the stub prints. */
  rate: number;
  seconds: number;
}

const STAMP = /^line (\d+) t=([\d.]+)/;

/**
 * Log lag: the stub prints `rate` lines/s, each stamped with the time it was written; an SSE client on
 * GET /api/v1/releases/:id/events notes when each line arrives. The Redis channel the worker publishes
 * on is tapped too, which splits the lag into worker side (read, batch, store, publish) and API side.
 */
export async function benchLogLag(options: LogLagOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const machineAtStart = machineInfo();
  const stack = await Stack.start({ name: 'loglag', workers: 1 });
  const tap = await ReleaseEventTap.open(stack.env.redisUrl, stack.env.queuePrefix);
  try {
    const total = options.rate * options.seconds;
    const created = await stack.client.createRelease({
      template: 'stub-0',
      extraVars: { stub_lines: total, stub_rate: options.rate, stub_line_bytes: 80 },
    });
    const toRedis: number[] = [];
    tap.follow(created.id, (line, at) => {
      const match = STAMP.exec(line);
      if (match) toRedis.push(at - Number(match[2]));
    });

    const toSse: number[] = [];
    let expected = 1;
    let outOfOrder = 0;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.seconds * 1000 + 120_000);
    const response = await fetch(`${stack.api.url}/api/v1/releases/${created.id}/events`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${stack.env.bootstrapToken}` },
      signal: controller.signal,
    });
    if (!response.ok || !response.body) throw new Error(`SSE answered ${response.status}: ${await response.text()}`);
    let ended = false;
    const parser = createParser({
      onEvent(message: EventSourceMessage) {
        const at = nowMs();
        if (message.event === 'end') ended = true;
        if (message.event !== 'log') return;
        const { seq, text } = JSON.parse(message.data) as { seq: number; text: string };
        if (seq !== expected) outOfOrder++;
        expected = seq + 1;
        const match = STAMP.exec(text);
        if (match) toSse.push(at - Number(match[2]));
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (ended) break;
    }
    clearTimeout(timer);
    controller.abort();
    await tap.finished(created.id);

    const sse = distribution(toSse);
    const redis = distribution(toRedis);
    return {
      bench: 'log-lag',
      title: `Log lag (${options.rate} lines/s for ${options.seconds} s)`,
      ...(await runInfo(startedAt, machineAtStart, stack)),
      settings: { ...options, lines: total },
      figures: [
        {
          figure: `log lag: stub printing ${options.rate} lines/s → line visible to an SSE client`,
          unit: 'ms',
          median: round(sse.p50, 1),
          p99: round(sse.p99, 1),
          target: 'p50 ≤ 50 ms, p99 ≤ 250 ms',
          met: sse.p50 <= 50 && sse.p99 <= 250 && toSse.length === total,
          note: `${toSse.length}/${total} lines received over SSE, ${outOfOrder} out of order`,
        },
        {
          figure: 'of which: line printed → published on the Redis channel (worker side)',
          unit: 'ms',
          median: round(redis.p50, 1),
          p99: round(redis.p99, 1),
          target: 'context',
          met: null,
        },
      ],
      distributions: { logLag: sse, logLagRedis: redis },
    };
  } finally {
    tap.close();
    await stack.close();
  }
}
