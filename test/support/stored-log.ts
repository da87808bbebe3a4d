import { stripAnsi } from '@slipway/ansible';

export interface StoredChunk {
  first_seq: number;
  last_seq: number;
  content: string;
}

export interface StoredLine {
  seq: number;
  text: string;
}

/** SQL that reads one release's stored log chunks straight from the server, in sequence order. */
export function storedChunksSql(database: string): string {
  return `SELECT first_seq, last_seq, content FROM \`${database}\`.release_log_chunks WHERE release_id = ? ORDER BY first_seq`;
}

/**
 * The lines of stored chunks, checked for what "every line stored once, in order" means on disk: the
 * first chunk starts at 1 and each next one starts right after the previous one (no gap, no overlap),
 * and each chunk holds exactly last_seq - first_seq + 1 lines. Throws naming the first violation.
 */
export function contiguousLines(chunks: StoredChunk[]): StoredLine[] {
  const lines: StoredLine[] = [];
  let expected = 1;
  for (const chunk of chunks) {
    const first = Number(chunk.first_seq);
    const last = Number(chunk.last_seq);
    if (first !== expected) throw new Error(`chunk starts at seq ${first}, expected ${expected}`);
    const texts = chunk.content.split('\n');
    if (texts.length !== last - first + 1) {
      throw new Error(`chunk ${first}..${last} holds ${texts.length} lines`);
    }
    texts.forEach((text, i) => lines.push({ seq: first + i, text: stripAnsi(text) }));
    expected = last + 1;
  }
  return lines;
}

/** The n of each "progress n/total" line deploy-sim printed, in stored order. */
export function progressNumbers(lines: StoredLine[], total: number): number[] {
  const pattern = new RegExp(`progress (\\d+)/${total}\\b`);
  return lines.flatMap((line) => {
    const match = pattern.exec(line.text);
    return match ? [Number(match[1])] : [];
  });
}
