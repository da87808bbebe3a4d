/** A run of consecutive log lines, numbered from `firstSeq`. */
export interface LogBatch {
  firstSeq: number;
  lines: string[];
}

/**
 * Reads one SSE `log` event. The event id is the sequence number of the batch's last line; the data is
 * either JSON `{firstSeq, lines}` or the lines themselves (SSE joins multi-line data with "\n").
 */
export function parseLogEvent(event: { data: string; lastEventId: string }): LogBatch | null {
  const data = event.data;
  if (data.startsWith('{')) {
    try {
      const parsed = JSON.parse(data) as Partial<LogBatch>;
      if (typeof parsed.firstSeq === 'number' && Array.isArray(parsed.lines)) {
        return { firstSeq: parsed.firstSeq, lines: parsed.lines.map(String) };
      }
    } catch {
      // a log line that merely starts with "{"
    }
  }
  const lastSeq = Number(event.lastEventId);
  if (!Number.isInteger(lastSeq) || lastSeq < 1) return null;
  const lines = data.split('\n');
  return { firstSeq: lastSeq - lines.length + 1, lines };
}
