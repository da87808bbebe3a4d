/**
 * The log of one release in the browser: plain strings in an array (a million short lines are tens of MB,
 * which a tab holds easily; the DOM only ever holds the visible rows). Lines are numbered by the API from 1;
 * a line already held is ignored, so a reconnecting stream that repeats lines does no harm.
 */
export class LogBuffer {
  private readonly lines: string[] = [];

  get length(): number {
    return this.lines.length;
  }

  /** The sequence number of the last line held (0 when empty). */
  get lastSeq(): number {
    return this.lines.length;
  }

  line(index: number): string {
    return this.lines[index] ?? '';
  }

  /**
   * Adds `lines` numbered from `firstSeq`. Returns how many were new. A batch that starts past the end
   * (lines missing in between) is refused with -1: the caller fetches the gap first.
   */
  append(firstSeq: number, lines: readonly string[]): number {
    if (firstSeq > this.lastSeq + 1) return -1;
    const skip = this.lastSeq + 1 - firstSeq;
    let added = 0;
    for (let i = skip; i < lines.length; i++) {
      this.lines.push(lines[i]);
      added++;
    }
    return added;
  }
}
