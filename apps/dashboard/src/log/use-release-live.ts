import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../api/client';
import { type Release, isFinished } from '../api/types';
import { LogBuffer } from './log-buffer';
import { type LogBatch, parseLogEvent } from './release-events';

/** The release is re-read this often while it is not finished (lock waits, timeline) and as a fallback to SSE. */
const RELEASE_REFRESH_MS = 5_000;
/** Appended lines are shown at most this often: a flood of batches re-renders the page ~20 times a second. */
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
}

/**
 * One release and its whole log, kept current: the stored lines are read from GET /log (in pages), new ones
 * arrive over SSE. Every batch is placed by its line number, so a batch that arrives twice or early (the
 * stream opened before the stored lines were read) is neither duplicated nor misplaced: a gap is filled
 * from GET /log first.
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

  useEffect(() => {
    let stopped = false;
    let source: EventSource | null = null;
    let renderTimer: number | undefined;
    let refreshTimer: number | undefined;
    const pending: LogBatch[] = [];
    let syncing = false;
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

    /** Applies streamed batches in order, filling any gap from the stored log; one runner at a time. */
    async function sync(): Promise<void> {
      if (syncing) return;
      syncing = true;
      try {
        await readStoredUpTo(storedLines);
        while (!stopped && pending.length > 0) {
          const batch = pending[0] as LogBatch;
          if (buffer.append(batch.firstSeq, batch.lines) === -1) {
            await readStoredUpTo(batch.firstSeq - 1);
            if (buffer.lastSeq < batch.firstSeq - 1) break; // not stored yet: the next sync retries
            continue;
          }
          pending.shift();
          render();
        }
      } catch (e) {
        if (!stopped) setStreamError(`Log not updating: ${(e as Error).message}`);
      } finally {
        syncing = false;
      }
    }

    function accept(next: Release): void {
      if (stopped) return;
      setRelease(next);
      storedLines = Math.max(storedLines, next.logLines);
      void sync();
    }

    async function refresh(): Promise<void> {
      try {
        const next = await api<Release>('GET', `/api/v1/releases/${id}`);
        accept(next);
        if (isFinished(next.status)) {
          source?.close();
          if (!stopped) setStreaming(false);
          return;
        }
      } catch (e) {
        if (!stopped) setError(e instanceof ApiError && e.status === 404 ? 'no such release' : (e as Error).message);
      }
      if (!stopped) refreshTimer = window.setTimeout(() => void refresh(), RELEASE_REFRESH_MS);
    }

    function openStream(): void {
      source = new EventSource(`/api/v1/releases/${id}/events`);
      source.addEventListener('open', () => {
        if (stopped) return;
        setStreaming(true);
        setStreamError(undefined);
      });
      source.addEventListener('log', (event) => {
        const batch = parseLogEvent(event as MessageEvent<string>);
        if (!batch) return;
        pending.push(batch);
        void sync();
      });
      source.addEventListener('status', () => {
        window.clearTimeout(refreshTimer);
        void refresh();
      });
      source.addEventListener('end', () => {
        // The release is finished: stop the browser from reconnecting, and read the final state and lines.
        source?.close();
        setStreaming(false);
        window.clearTimeout(refreshTimer);
        void refresh();
      });
      source.addEventListener('error', () => {
        if (stopped || !source) return;
        // CONNECTING: the browser reconnects by itself (with Last-Event-ID). CLOSED: the API refused.
        if (source.readyState === EventSource.CLOSED) {
          setStreaming(false);
          setStreamError('Live log stream lost; the page keeps polling every few seconds.');
        }
      });
    }

    void (async () => {
      try {
        const first = await api<Release>('GET', `/api/v1/releases/${id}`);
        if (stopped) return;
        if (!isFinished(first.status)) openStream();
        accept(first);
        if (!isFinished(first.status)) refreshTimer = window.setTimeout(() => void refresh(), RELEASE_REFRESH_MS);
      } catch (e) {
        if (!stopped) setError(e instanceof ApiError && e.status === 404 ? 'no such release' : (e as Error).message);
      }
    })();

    return () => {
      stopped = true;
      source?.close();
      window.clearTimeout(renderTimer);
      window.clearTimeout(refreshTimer);
    };
  }, [id, buffer]);

  const replaceRelease = useCallback((next: Release) => setRelease(next), []);
  return { release, error, streaming, streamError, buffer, version, replaceRelease };
}

async function fetchText(path: string): Promise<string> {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) throw new ApiError(response.status, `GET ${path} answered ${response.status}`);
  return response.text();
}
