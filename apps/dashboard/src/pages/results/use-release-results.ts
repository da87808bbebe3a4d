import { useCallback, useEffect, useRef, useState } from 'react';
import type { AnsibleEventPage, ReleaseEventsState, ReleaseTasks } from '@slipway/contracts';
import { api } from '../../api/client';
import type { AnsibleStreamListener } from '../../log/use-release-live';
import { ResultsGridModel, parseStreamEvent } from './grid-model';

/** Live results are shown at most this often: a flood of host results re-renders ~10 times a second. */
const RENDER_EVERY_MS = 100;

export interface ReleaseResults {
  model: ResultsGridModel;
  version: number;
  events: ReleaseEventsState | undefined;
  loading: boolean;
  error: string | undefined;
  /** Reads the stored results again (the release changed status while the stream was down). */
  refresh: () => void;
}

/**
 * The grid of one release: the stored results (GET /tasks, then GET /ansible-events?type=host_result page
 * by page, oldest first), and the live ones from the release's stream. The stream carries no ids for these events, so
 * whenever it (re)connects or the release ends, the stored ones are read again; the model places every
 * result by its sequence number, so one read twice is counted once. No polling.
 */
export function useReleaseResults(id: number, subscribe: (listener: AnsibleStreamListener) => () => void): ReleaseResults {
  const modelRef = useRef<ResultsGridModel>(null);
  modelRef.current ??= new ResultsGridModel();
  const model = modelRef.current;
  const [version, setVersion] = useState(0);
  const [events, setEvents] = useState<ReleaseEventsState>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const rereadRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    let stopped = false;
    let renderTimer: number | undefined;
    let running: Promise<void> | null = null;
    let again = false;

    function render(): void {
      if (renderTimer !== undefined || stopped) return;
      renderTimer = window.setTimeout(() => {
        renderTimer = undefined;
        if (!stopped) setVersion(model.version);
      }, RENDER_EVERY_MS);
    }

    async function readStored(): Promise<void> {
      const tasks = await api<ReleaseTasks>('GET', `/api/v1/releases/${id}/tasks`);
      if (stopped) return;
      for (const task of tasks.tasks) model.applyTask({ seq: task.firstSeq, taskId: task.taskId, task: task.task, handler: task.handler });
      // Oldest first (`after=`), so the first columns fill first: the ones a reader sees at the top left.
      // after=1: the first event of every run is its playbook_start (seq 1), never a host result.
      let after: number | null = 1;
      do {
        const page: AnsibleEventPage = await api<AnsibleEventPage>('GET', `/api/v1/releases/${id}/ansible-events?type=host_result&limit=500&after=${after}`);
        if (stopped) return;
        for (const event of page.items) model.applyListed(event);
        render();
        after = page.prevAfter;
      } while (after !== null);
      setEvents(tasks.events);
    }

    /** One read at a time; a request while one runs makes it run once more. */
    function reread(): void {
      if (running) {
        again = true;
        return;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await readStored();
          } while (again && !stopped);
          if (!stopped) setError(undefined);
        } catch (e) {
          if (!stopped) setError((e as Error).message);
        } finally {
          running = null;
          if (!stopped) {
            setLoading(false);
            setVersion(model.version);
          }
        }
      })();
    }

    rereadRef.current = reread;
    const unsubscribe = subscribe((event) => {
      if (!('data' in event)) {
        reread();
        return;
      }
      const parsed = parseStreamEvent(event.name, event.data);
      if (!parsed) return;
      if (parsed.type === 'task') model.applyTask(parsed);
      else if (parsed.type === 'host-result') model.applyHostResult(parsed);
      else reread(); // complete: the final state and counts
      render();
    });
    reread();
    return () => {
      stopped = true;
      unsubscribe();
      window.clearTimeout(renderTimer);
    };
  }, [id, model, subscribe]);

  const refresh = useCallback(() => rereadRef.current(), []);
  return { model, version, events, loading, error, refresh };
}
