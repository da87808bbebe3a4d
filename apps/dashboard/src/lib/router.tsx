import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react';

/**
 * A few routes need no router library: the location lives in the History API, components subscribe to it,
 * and the API serves index.html for every non-API path so a reload lands on the same page.
 */
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

function snapshot(): string {
  return window.location.pathname + window.location.search;
}

export function navigate(to: string, { replace = false }: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

/** The current path and query, re-rendering on navigation. */
export function useLocation(): { pathname: string; search: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, window.location.origin);
  return { pathname: url.pathname, search: url.searchParams };
}

/** An ordinary link (middle-click, copy link and screen readers all work) that navigates in place. */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  function handle(event: MouseEvent<HTMLAnchorElement>): void {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  }
  return <a href={href} onClick={handle} {...rest} />;
}

/** The query-string names of a list's page position (keyset cursors); see listCursor. */
const CURSOR_PARAMS = ['before', 'after'] as const;

/**
 * A list's filters live in the query string (a reload or a shared link shows the same list). Changing a
 * filter goes back to the newest page and replaces the history entry.
 */
export function setListParam(pathname: string, search: URLSearchParams, name: string, value: string): void {
  const next = new URLSearchParams(search);
  if (value) next.set(name, value);
  else next.delete(name);
  for (const cursor of CURSOR_PARAMS) next.delete(cursor);
  const qs = next.toString();
  navigate(qs ? `${pathname}?${qs}` : pathname, { replace: true });
}

/** Turning a page pushes a history entry (Back returns to the page before): older, newer, or the newest. */
export function setListCursor(pathname: string, search: URLSearchParams, cursor: { before: number } | { after: number } | null): void {
  const next = new URLSearchParams(search);
  for (const name of CURSOR_PARAMS) next.delete(name);
  if (cursor && 'before' in cursor) next.set('before', String(cursor.before));
  if (cursor && 'after' in cursor) next.set('after', String(cursor.after));
  const qs = next.toString();
  navigate(qs ? `${pathname}?${qs}` : pathname);
}

/** The page position in the URL, as the list's API query takes it (a malformed one is ignored). */
export function listCursor(search: URLSearchParams): { before?: string; after?: string } {
  const before = search.get('before') ?? '';
  const after = search.get('after') ?? '';
  if (/^\d{1,10}$/.test(before)) return { before };
  if (/^\d{1,10}$/.test(after)) return { after };
  return {};
}
