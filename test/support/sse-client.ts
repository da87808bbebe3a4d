import { type EventSourceMessage, createParser } from 'eventsource-parser';

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
  /** When the event was parsed (Date.now()), for latency figures. */
  receivedAt: number;
}

export interface SseReadOptions {
  headers?: Record<string, string>;
  /** Stop after this event (the stream is aborted, as a client that goes away would). */
  stopWhen?: (event: SseEvent, all: SseEvent[]) => boolean;
  timeoutMs?: number;
  onEvent?: (event: SseEvent) => void;
}

export interface SseReadResult {
  status: number;
  contentType: string | null;
  events: SseEvent[];
  /** True if the server ended the response (as opposed to stopWhen aborting it). */
  endedByServer: boolean;
  /** Comments and retry hints, to check what a shutdown sends. */
  retries: number[];
}

/** Reads a Server-Sent Events response with fetch, the way the CLI does (EventSource needs a browser). */
export async function readSse(url: string, options: SseReadOptions = {}): Promise<SseReadResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`SSE read of ${url} timed out`)), options.timeoutMs ?? 60_000);
  const events: SseEvent[] = [];
  const retries: number[] = [];
  let stopped = false;
  try {
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...options.headers }, signal: controller.signal });
    const result: SseReadResult = { status: response.status, contentType: response.headers.get('content-type'), events, endedByServer: false, retries };
    if (!response.ok || !response.body) {
      await response.text();
      return result;
    }
    const parser = createParser({
      onEvent(message: EventSourceMessage) {
        const event: SseEvent = { event: message.event ?? 'message', id: message.id, data: message.data, receivedAt: Date.now() };
        events.push(event);
        options.onEvent?.(event);
        // Stop reading once the loop below has fed this chunk (as the CLI does): aborting here, inside the
        // body's iteration, once left the iterator pending after the server had ended the response.
        if (!stopped && options.stopWhen?.(event, events)) stopped = true;
      },
      onRetry(ms: number) {
        retries.push(ms);
      },
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (stopped) break;
      }
      if (!stopped) result.endedByServer = true;
    } catch (error) {
      if (!stopped) throw error;
    } finally {
      if (stopped) controller.abort();
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** The `log` events' sequence numbers, in the order received. */
export function logSeqs(events: SseEvent[]): number[] {
  return events.filter((e) => e.event === 'log').map((e) => Number(e.id));
}
