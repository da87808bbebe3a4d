/**
 * Keyset (cursor) pagination of the newest-first lists (releases, audit): a page is read from an index
 * position, never counted or OFFSET, so page 20 000 costs what page 1 costs, and an entry written while
 * someone pages cannot shift the pages (no entry is shown twice or skipped).
 * `before`: the entries listed after (older than) that one; `after`: the ones listed before (newer).
 */
export interface KeysetQuery {
  before?: number;
  after?: number;
  limit: number;
}

export interface KeysetPage<T> {
  /** Newest first. */
  items: T[];
  /** Whether there are older entries than this page's last. */
  more: boolean;
  /** `before=` for the next older page; null when there is none. */
  nextBefore: number | null;
  /** `after=` for the next newer page; null when this page starts with the newest entry. */
  prevAfter: number | null;
}

/**
 * The page from rows read with `limit + 1` in the direction of the query (newest first, or oldest first
 * just above `after`): the extra row only tells whether there is more that way.
 */
export function keysetPage<T extends { id: number }>(rows: T[], query: KeysetQuery): KeysetPage<T> {
  const beyond = rows.length > query.limit;
  const items = rows.slice(0, query.limit);
  if (query.after === undefined) {
    return {
      items,
      more: beyond,
      nextBefore: beyond ? (items.at(-1)?.id ?? null) : null,
      // A page read from a cursor has newer entries: at least the one the cursor came from.
      prevAfter: query.before !== undefined ? (items[0]?.id ?? null) : null,
    };
  }
  items.reverse();
  return {
    items,
    more: items.length > 0,
    nextBefore: items.at(-1)?.id ?? null,
    prevAfter: beyond ? (items[0]?.id ?? null) : null,
  };
}
