import type { Page } from '@slipway/contracts';

/**
 * "Newest · ← Newer · Older →" under a newest-first list, from the page's own cursors (keyset
 * pagination: no page numbers or totals, which would cost a count of the whole history each time).
 */
export function Pager({
  page,
  paged,
  onPage,
}: {
  page: Page<unknown>;
  /** Whether the list shows a page from a cursor (not the newest, live one). */
  paged: boolean;
  onPage: (cursor: { before: number } | { after: number } | null) => void;
}) {
  const { nextBefore, prevAfter } = page;
  if (!paged && nextBefore === null) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="button subtle" disabled={!paged} onClick={() => onPage(null)}>
        Newest
      </button>
      <button type="button" className="button subtle" disabled={prevAfter === null} onClick={() => prevAfter !== null && onPage({ after: prevAfter })}>
        ← Newer
      </button>
      <button type="button" className="button subtle" disabled={nextBefore === null} onClick={() => nextBefore !== null && onPage({ before: nextBefore })}>
        Older →
      </button>
    </nav>
  );
}
