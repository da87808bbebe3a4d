import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../api/client';
import type { Release } from '@slipway/contracts';
import { isFinished } from '../api/types';
import { LogBuffer } from './log-buffer';
import { type LogBatch, applyStatus, parseLogEvent, parseStatusEvent } from './release-events';

/** Without a live stream (it failed, or the release is queued far ahead), the release is re-read this often. */
const FALLBACK_REFRESH_MS = 3_000;
/** Appended lines are shown at most this often: a flood re-renders the page ~20 times a second, not per line. */
const RENDER_EVERY_MS = 50;

export interface ReleaseLive {
  release: Release | undefined;
  error: string | undefined;
  /** The SSE stream is open (the log is live). */
  streaming: boolean;
  streamError: string | undefined;
  buffer: LogBuffer;
  version: number;
  /** After an action answered with the new state (cancel), show it at once. */
  replaceRelease: (release: Release) => void;
  /** ansible's typed events on the same stream (issue 21), for the results grid. Returns the unsubscribe. */
  subscribeAnsible: (listener: AnsibleStreamListener) => () => void;
}

/**
 * A typed event (`task`, `host-result`, `events-complete`) as its name and raw data, or `opened` / `ended`:
 * the stream (re)connected or the release finished, so whatever the stream did not carry must be re-read.
 */
export type AnsibleStreamListener = (event: { name: string; data: string } | { name: 'opened' | 'ended' }) => void;

/**
 * One release and its whole log, kept current. The stored lines are read first from GET /log (plain text,
 * in large pages: far cheaper than one event per line), then GET /events streams from the last line held
 * (`?after=`; on reconnect the browser sends Last-Event-ID). Every line is placed by its number, so a line
 * that arrives twice is ignored and a gap is filled from GET /log before later lines are shown.
 */
export function useReleaseLive(id: number): ReleaseLive {
  const [release, setRelease] = useState<Release>();
  const [error, setError] = useState<string>();
  const [streaming, setStreaming] = useState(false);
  const [streamError, setStreamError] = useState<string>();
  const [version, setVersion] = useState(0);
  const bufferRef = useRef<LogBuffer>(null);
  bufferRef.current ??= new LogBuffer();
  const buffer = bufferRef.current;
  const ansibleListeners = useRef(new Set<AnsibleStreamListener>()).current;

  useEffect(() => {
    const notifyAnsible: AnsibleStreamListener = (event) => {
      for (const listener of ansibleListeners) listener(event);
    };
    let stopped = false;
    let source: EventSource | null = null;
    let renderTimer: number | undefined;
    let refreshTimer: number | undefined;
    const pending: LogBatch[] = [];
    let running: Promise<void> | null = null;
    let again = false;
    /** Lines the API said are stored (release.logLines): read from GET /log, not waited for on the stream. */
    let storedLines = 0;

    function render(): void {
      if (renderTimer !== undefined || stopped) return;
      renderTimer = window.setTimeout(() => {
        renderTimer = undefined;
        if (!stopped) setVersion((v) => v + 1);
      }, RENDER_EVERY_MS);
    }

    /** Reads stored lines after the last one held, until `target` lines are held (or the API has no more). */
    async function readStoredUpTo(target: number): Promise<void> {
      while (!stopped && buffer.lastSeq < target) {
        const text = await fetchText(`/api/v1/releases/${id}/log?after=${buffer.lastSeq}`);
        if (stopped || text === '') return;
        const lines = text.split('\n');
        lines.pop(); // every line ends with "\n"
        buffer.append(buffer.lastSeq + 1, lines);
        render();
      }
    }

    /** Applies streamed lines in order, filling any gap from the stored log. */
    async function drain(): Promise<void> {
      await readStoredUpTo(storedLines);
      while (!stopped && pending.length > 0) {
        const batch = pending[0];
        if (buffer.append(batch.firstSeq, batch.lines) === -1) {
          await readStoredUpTo(batch.firstSeq - 1);
          if (buffer.lastSeq < batch.firstSeq - 1) return; // not readable yet: the next sync retries
          continue;
        }
        pending.shift();
        render();
      }
    }

    /** One drain at a time; a call while one runs makes it run once more, and resolves when all is applied. */
    function sync(): Promise<void> {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await drain();
          } while (again && !stopped);
        } catch (e) {
          if (!stopped) setStreamError(`Log not updating: ${(e as Error).message}`);
        } finally {
          running = null;
        }
      })();
      return running;
    }

    function accept(next: Release): void {
      if (stopped) return;
      setRelease(next);
      storedLines = Math.max(storedLines, next.logLines);
      void sync();
    }

    async function load(): Promise<Release | undefined> {
      try {
        const next = await api<Release>('GET', `/api/v1/releases/${id}`);
        accept(next);
        return next;
      } catch (e) {
        if (!stopped) setError(e instanceof ApiError && e.status === 404 ? 'no such release' : (e as Error).message);
        return undefined;
      }
    }

    /** Polls while there is no live stream; stops once the release is finished. */
    function scheduleFallback(): void {
      window.clearTimeout(refreshTimer);
      refreshTimer = window.setTimeout(async () => {
        const next = await load();
        if (!stopped && !(next && isFinished(next.status)) && !source) scheduleFallback();
      }, FALLBACK_REFRESH_MS);
    }

    function openStream(): void {
      const current = new EventSource(`/api/v1/releases/${id}/events?after=${buffer.lastSeq}`);
      source = current;
      current.addEventListener('open', () => {
        if (stopped) return;
        window.clearTimeout(refreshTimer);
        setStreaming(true);
        setStreamError(undefined);
        notifyAnsible({ name: 'opened' });
      });
      for (const name of ['task', 'host-result', 'events-complete']) {
        current.addEventListener(name, (event) => notifyAnsible({ name, data: (event as MessageEvent<string>).data }));
      }
      current.addEventListener('log', (event) => {
        const batch = parseLogEvent((event as MessageEvent<string>).data);
        if (!batch) return;
        pending.push(batch);
        void sync();
      });
      current.addEventListener('status', (event) => {
        const fields = parseStatusEvent((event as MessageEvent<string>).data);
        if (fields && !stopped) setRelease((previous) => (previous ? applyStatus(previous, fields) : previous));
      });
      current.addEventListener('end', () => {
        // Finished: stop the browser from reconnecting, then read the final row (recap, line count).
        current.close();
        source = null;
        setStreaming(false);
        notifyAnsible({ name: 'ended' });
        void load();
      });
      current.addEventListener('error', () => {
        if (stopped || current.readyState !== EventSource.CLOSED) return; // CONNECTING: the browser retries by itself
        // CLOSED: the API refused the stream (signed out, release gone): poll instead.
        source = null;
        setStreaming(false);
        setStreamError('The live stream stopped; the page now refreshes every few seconds.');
        scheduleFallback();
      });
    }

    void (async () => {
      const first = await load();
      if (!first || stopped) return;
      await sync(); // the stored lines first, then stream from the last one
      if (!stopped && !isFinished(first.status)) openStream();
    })();

    return () => {
      stopped = true;
      source?.close();
      window.clearTimeout(renderTimer);
      window.clearTimeout(refreshTimer);
    };
  }, [id, buffer, ansibleListeners]);

  const replaceRelease = useCallback((next: Release) => setRelease(next), []);
  const subscribeAnsible = useCallback(
    (listener: AnsibleStreamListener) => {
      ansibleListeners.add(listener);
      return () => void ansibleListeners.delete(listener);
    },
    [ansibleListeners],
  );
  return { release, error, streaming, streamError, buffer, version, replaceRelease, subscribeAnsible };
}

async function fetchText(path: string): Promise<string> {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) throw new ApiError(response.status, `GET ${path} answered ${response.status}`);
  return response.text();
}
