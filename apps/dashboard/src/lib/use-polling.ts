import { useCallback, useEffect, useRef, useState } from 'react';

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Fetch now (after an action), without waiting for the next tick. */
  refresh: () => void;
}

/**
 * Loads `load()` now and every `intervalMs` while the tab is visible; a new `key` starts over. Answers that
 * arrive out of order are dropped, so a slow old page never overwrites a newer one.
 */
export function usePolling<T>(key: string, load: () => Promise<T>, intervalMs: number): Polled<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: Error; loading: boolean }>({ key, loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    async function run(): Promise<void> {
      const mine = ++generation.current;
      try {
        const data = await loadRef.current();
        if (!stopped && mine === generation.current) setState({ key, data, loading: false });
      } catch (error) {
        if (!stopped && mine === generation.current) {
          setState((previous) => ({ key, data: previous.key === key ? previous.data : undefined, error: error as Error, loading: false }));
        }
      }
      if (!stopped) timer = window.setTimeout(schedule, intervalMs);
    }
    function schedule(): void {
      if (document.visibilityState === 'visible') void run();
      else timer = window.setTimeout(schedule, intervalMs);
    }
    void run();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [key, intervalMs, tick]);

  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || state.loading,
    refresh,
  };
}
