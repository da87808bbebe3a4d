import { type KeyboardEvent, type ReactNode, useRef, useState } from 'react';
import './results.css';

export type ReleaseTab = 'results' | 'log';
const TABS: { id: ReleaseTab; label: string }[] = [
  { id: 'results', label: 'Results' },
  { id: 'log', label: 'Log' },
];

/**
 * "Results" / "Log" on the release page (issue 21). The log is shown first, as before; a panel is mounted
 * the first time it is chosen and then kept (hidden), so switching back keeps its scroll and live state.
 */
export function ReleaseTabs({ results, log }: { results: () => ReactNode; log: ReactNode }) {
  const [tab, setTab] = useState<ReleaseTab>('log');
  const [resultsMounted, setResultsMounted] = useState(false);
  const refs = useRef<Record<ReleaseTab, HTMLButtonElement | null>>({ results: null, log: null });

  function choose(next: ReleaseTab, focus = false): void {
    setTab(next);
    if (next === 'results') setResultsMounted(true);
    if (focus) refs.current[next]?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    const index = TABS.findIndex((t) => t.id === tab);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    choose(TABS[(index + step + TABS.length) % TABS.length].id, true);
  }

  return (
    <div className="release-tabs">
      <div role="tablist" aria-label="Release output" className="tablist" onKeyDown={onKeyDown}>
        {TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`release-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`release-panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className={`tab${tab === t.id ? ' tab-selected' : ''}`}
            onClick={() => choose(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="release-panel-results" aria-labelledby="release-tab-results" hidden={tab !== 'results'}>
        {resultsMounted && results()}
      </div>
      <div role="tabpanel" id="release-panel-log" aria-labelledby="release-tab-log" hidden={tab !== 'log'}>
        {log}
      </div>
    </div>
  );
}
