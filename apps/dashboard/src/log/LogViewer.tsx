import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, memo, useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { formatCount } from '../lib/format';
import { type AnsiSegment, ansiSegments } from './ansi';
import type { LogBuffer } from './log-buffer';
import { findMatches, splitOnMatches } from './log-search';

/** Every row has the same height, so the list never measures rows and a million lines scroll smoothly. */
const ROW_HEIGHT = 20;
/** Within this many pixels of the bottom counts as "at the end" (follow resumes). */
const BOTTOM_SLACK = 4;
/** Parsed ANSI segments are cached for the rows around the viewport, not for the whole log. */
const SEGMENT_CACHE_SIZE = 5_000;

interface LogViewerProps {
  buffer: LogBuffer;
  /** Bumped by the owner whenever lines were appended (the buffer itself is mutable). */
  version: number;
  /** Still streaming: shows the live marker and keeps auto-follow meaningful. */
  live: boolean;
  downloadHref: string;
  downloadName: string;
  status?: string;
}

/**
 * The release log: a virtualized list (only the visible rows exist in the DOM), ANSI colours, auto-follow
 * that pauses as soon as the user scrolls up and resumes at the bottom, and search with next/previous.
 */
export function LogViewer({ buffer, version, live, downloadHref, downloadName, status }: LogViewerProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const followRef = useRef(follow);
  followRef.current = follow;
  /** Where we last scrolled to ourselves: a scroll above it can only be the user's. */
  const autoScrollTop = useRef(0);
  const searchId = useId();

  const count = buffer.length;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 30,
    // Rendering synchronously on every scroll event is not needed with fixed-height rows.
    useFlushSync: false,
  });

  // --- search -------------------------------------------------------------------------------------------
  const [query, setQuery] = useState('');
  const [appliedQuery, setAppliedQuery] = useState('');
  const [matches, setMatches] = useState<number[]>([]);
  const [current, setCurrent] = useState(-1);
  const searchedUpTo = useRef(0);

  const appliedRef = useRef(appliedQuery);
  appliedRef.current = appliedQuery;

  /**
   * Searches the whole log for `text` and goes to its first match, so the counter ("1 of N") and the
   * highlighted line always agree, whether the search ran after typing or on Enter.
   */
  function showFirstMatch(text: string): void {
    const found = findMatches(buffer, text);
    searchedUpTo.current = buffer.length;
    setAppliedQuery(text);
    setMatches(found);
    if (found.length > 0) {
      setCurrent(0);
      setFollow(false);
      virtualizer.scrollToIndex(found[0], { align: 'center' });
    } else setCurrent(-1);
  }

  // A new query rescans everything (debounced); new lines are scanned as they arrive.
  useEffect(() => {
    const timer = window.setTimeout(() => {
      if (query === appliedRef.current) return; // Enter already searched it (and may have moved to a match)
      showFirstMatch(query);
    }, 200);
    return () => window.clearTimeout(timer);
  }, [query, buffer]);

  useEffect(() => {
    if (appliedQuery === '' || searchedUpTo.current >= buffer.length) return;
    const more = findMatches(buffer, appliedQuery, searchedUpTo.current);
    searchedUpTo.current = buffer.length;
    if (more.length > 0) setMatches((previous) => previous.concat(more));
  }, [version, appliedQuery, buffer]);

  const goToMatch = useCallback(
    (direction: 1 | -1) => {
      if (matches.length === 0) return;
      const next = current === -1 ? (direction === 1 ? 0 : matches.length - 1) : (current + direction + matches.length) % matches.length;
      setCurrent(next);
      setFollow(false);
      virtualizer.scrollToIndex(matches[next], { align: 'center' });
    },
    [matches, current, virtualizer],
  );

  const currentLine = current >= 0 ? matches[current] : undefined;
  const matchSet = useMemo(() => new Set(matches), [matches]);

  // --- follow -------------------------------------------------------------------------------------------
  const scrollToEnd = useCallback(() => {
    const element = scrollRef.current;
    if (!element) return;
    element.scrollTop = element.scrollHeight;
    autoScrollTop.current = element.scrollTop;
  }, []);

  useLayoutEffect(() => {
    if (follow) scrollToEnd();
  }, [version, follow, count, scrollToEnd]);

  function onScroll(): void {
    const element = scrollRef.current;
    if (!element) return;
    const atBottom = element.scrollTop + element.clientHeight >= element.scrollHeight - BOTTOM_SLACK;
    if (atBottom) {
      if (!followRef.current) setFollow(true);
    } else if (followRef.current && element.scrollTop < autoScrollTop.current - 1) {
      setFollow(false);
    }
    if (atBottom) autoScrollTop.current = element.scrollTop;
  }

  function onSearchKey(event: KeyboardEvent<HTMLInputElement>): void {
    if (event.key === 'Enter') {
      event.preventDefault();
      // Enter right after typing searches first, then steps through the matches.
      if (query !== appliedQuery) {
        showFirstMatch(query);
        return;
      }
      goToMatch(event.shiftKey ? -1 : 1);
    } else if (event.key === 'Escape') {
      setQuery('');
    }
  }

  // --- rendering ----------------------------------------------------------------------------------------
  const segmentCache = useRef(new Map<number, AnsiSegment[]>());
  const segmentsOf = (index: number): AnsiSegment[] => {
    const cache = segmentCache.current;
    let segments = cache.get(index);
    if (!segments) {
      segments = ansiSegments(buffer.line(index));
      if (cache.size >= SEGMENT_CACHE_SIZE) cache.clear();
      cache.set(index, segments);
    }
    return segments;
  };

  const items = virtualizer.getVirtualItems();
  const gutterChars = String(Math.max(count, 1)).length;

  return (
    <section className="log" aria-labelledby="log-title">
      <div className="log-toolbar">
        <h2 id="log-title">
          Log <span className="muted log-count" data-testid="log-line-count">{formatCount(count)} lines</span>
          {live && (
            <span className="live-dot" role="status">
              live
            </span>
          )}
        </h2>
        <div className="log-search" role="search">
          <label htmlFor={searchId} className="visually-hidden">
            Search the log
          </label>
          <input
            id={searchId}
            type="search"
            placeholder="Search the log"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={onSearchKey}
            aria-describedby={`${searchId}-count`}
          />
          <span id={`${searchId}-count`} className="muted match-count" aria-live="polite">
            {matchCounter(appliedQuery, matches.length, current)}
          </span>
          <button type="button" className="button subtle small" onClick={() => goToMatch(-1)} disabled={matches.length === 0} aria-label="Previous match">
            ↑
          </button>
          <button type="button" className="button subtle small" onClick={() => goToMatch(1)} disabled={matches.length === 0} aria-label="Next match">
            ↓
          </button>
        </div>
        <div className="log-actions">
          <label className="toggle">
            <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
            Follow
          </label>
          <a className="button subtle small" href={downloadHref} download={downloadName}>
            Download
          </a>
        </div>
      </div>

      <div
        ref={scrollRef}
        className="log-scroll"
        onScroll={onScroll}
        tabIndex={0}
        role="region"
        aria-label="Log lines"
        data-testid="log-scroll"
      >
        {count === 0 ? (
          <p className="log-empty muted">{live ? 'Waiting for output…' : status === 'queued' ? 'Not started yet.' : 'No output.'}</p>
        ) : (
          <div className="log-canvas" style={{ height: virtualizer.getTotalSize() }}>
            <div className="log-rows" style={{ transform: `translateY(${items[0]?.start ?? 0}px)` }}>
              {items.map((item) => (
                <LogRow
                  key={item.index}
                  index={item.index}
                  gutterChars={gutterChars}
                  segments={segmentsOf(item.index)}
                  query={matchSet.has(item.index) ? appliedQuery : ''}
                  current={item.index === currentLine}
                />
              ))}
            </div>
          </div>
        )}
      </div>

      {!follow && live && (
        <button type="button" className="button primary jump" onClick={() => setFollow(true)}>
          ↓ Follow new lines
        </button>
      )}
    </section>
  );
}

const LogRow = memo(function LogRow({
  index,
  gutterChars,
  segments,
  query,
  current,
}: {
  index: number;
  gutterChars: number;
  segments: AnsiSegment[];
  query: string;
  current: boolean;
}) {
  const className = current ? 'log-row current-match' : query ? 'log-row has-match' : 'log-row';
  return (
    <div className={className} data-line={index + 1}>
      <span className="log-lineno" style={{ width: `${gutterChars + 1}ch` }} aria-hidden="true">
        {index + 1}
      </span>
      <span className="log-text">
        {segments.map((segment, i) => (
          <span key={i} className={segment.className || undefined}>
            {query
              ? splitOnMatches(segment.text, query).map((part, j) => (part.match ? <mark key={j}>{part.text}</mark> : part.text))
              : segment.text}
          </span>
        ))}
      </span>
    </div>
  );
});

/** "1 of 3" on a match; "3 matches" when matches arrived after a search that had none (nothing is current). */
function matchCounter(query: string, count: number, current: number): string {
  if (query === '') return '';
  if (count === 0) return 'no matches';
  if (current === -1) return `${formatCount(count)} ${count === 1 ? 'match' : 'matches'}`;
  return `${current + 1} of ${formatCount(count)}`;
}
