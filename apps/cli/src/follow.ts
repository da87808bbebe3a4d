import { type EventSourceMessage, createParser } from 'eventsource-parser';
import type { Release } from '@slipway/contracts';
import { CliError } from './exit-codes.js';
import { type SlipwayHttp, apiMessage, describeFetchError } from './http.js';
import { note } from './output.js';

/** The status fields the API sends in `status` and `end` events. */
export type ReleaseStatusEvent = Pick<Release, 'id' | 'status' | 'waitingReason' | 'workerId' | 'exitCode' | 'reason' | 'cancelRequestedBy'>;

export interface FollowOptions {
  /** Resume after this log line (0: from the start). */
  after?: number;
  onLine: (text: string, seq: number) => void;
  onStatus?: (status: ReleaseStatusEvent) => void;
  /** How long the stream may stay unreachable before giving up (exit 3). */
  reconnectBudgetMs?: number;
}

const DEFAULT_RECONNECT_BUDGET_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 5_000;

/** The answer was final (bad token, unknown release): reconnecting cannot help. */
class Fatal extends Error {}

/**
 * Follows `GET /releases/:id/events` until the `end` event, and returns the final status. When the
 * connection drops (API restart, network), it reconnects with Last-Event-ID = the last line it printed,
 * so no line is lost or printed twice; it gives up after `reconnectBudgetMs` without contact.
 */
export async function followRelease(http: SlipwayHttp, releaseId: number, options: FollowOptions): Promise<ReleaseStatusEvent> {
  let lastSeq = options.after ?? 0;
  let failingSince: number | null = null;
  let attempt = 0;
  // One line per outage, not one per attempt: an API restarting (or kept down for minutes) would
  // otherwise bury the log under identical lines. Cleared once the stream is back.
  let outageNoted = false;
  const budget = options.reconnectBudgetMs ?? DEFAULT_RECONNECT_BUDGET_MS;
  const noteOutage = (why: string) => {
    if (outageNoted) return;
    outageNoted = true;
    note(`release ${releaseId}: ${why}; reconnecting and waiting up to ${Math.round(budget / 1000)} s for Slipway to come back (the release goes on meanwhile)`);
  };
  for (;;) {
    try {
      const final = await streamOnce(http, releaseId, lastSeq, {
        onLine: (text, seq) => {
          lastSeq = seq;
          options.onLine(text, seq);
        },
        onStatus: options.onStatus,
        onConnected: () => {
          if (outageNoted) note(`release ${releaseId}: reconnected, resuming after line ${lastSeq}`);
          outageNoted = false;
          failingSince = null;
          attempt = 0;
        },
      });
      if (final) return final;
      failingSince ??= Date.now();
      noteOutage('event stream closed');
    } catch (error) {
      if (error instanceof CliError) throw error;
      if (error instanceof Fatal) throw new CliError(error.message);
      failingSince ??= Date.now();
      if (Date.now() - failingSince > budget) {
        throw new CliError(`lost the event stream of release ${releaseId} for over ${Math.round(budget / 1000)} s: ${(error as Error).message}`);
      }
      noteOutage((error as Error).message);
    }
    attempt++;
    await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(attempt, 5))));
  }
}

async function streamOnce(
  http: SlipwayHttp,
  releaseId: number,
  after: number,
  handlers: { onLine: (text: string, seq: number) => void; onStatus?: (s: ReleaseStatusEvent) => void; onConnected: () => void },
): Promise<ReleaseStatusEvent | null> {
  const headers = http.headers({ accept: 'text/event-stream', ...(after > 0 ? { 'last-event-id': String(after) } : {}) });
  let response: Response;
  try {
    response = await fetch(`${http.baseUrl}/api/v1/releases/${releaseId}/events`, { headers });
  } catch (error) {
    throw new Error(`cannot reach ${http.baseUrl} (${describeFetchError(error)})`, { cause: error });
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    const message = `GET events of release ${releaseId}: ${response.status} ${apiMessage(parsed, text)}`;
    // 5xx and 429 are worth retrying (API restarting, DB away); 4xx are not.
    if (response.status >= 500 || response.status === 429) throw new Error(message);
    throw new Fatal(message);
  }
  handlers.onConnected();
  let final: ReleaseStatusEvent | null = null;
  const parser = createParser({
    onEvent(event: EventSourceMessage) {
      if (event.event === 'log') {
        const line = JSON.parse(event.data) as { seq: number; text: string };
        handlers.onLine(line.text, line.seq);
      } else if (event.event === 'status') {
        handlers.onStatus?.(JSON.parse(event.data) as ReleaseStatusEvent);
      } else if (event.event === 'end') {
        final = JSON.parse(event.data) as ReleaseStatusEvent;
      }
    },
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (final) break;
    }
  } catch (error) {
    if (!final) throw new Error(`event stream broke (${describeFetchError(error)})`, { cause: error });
  }
  return final;
}
