import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a run's output into lines as they arrive: on "\n", with a "\r" before it dropped (as execa and a
 * terminal read them). A line still growing past `maxChars` is cut to `maxChars + 1` characters (one more, so
 * the log sink, which keeps `maxChars`, marks it truncated) and the rest of it, up to its newline, dropped:
 * one endless line cannot grow the worker's memory.
 */
export class OutputLines {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  /** The current line was cut: drop everything up to its newline. */
  private skipping = false;

  constructor(private readonly maxChars: number) {}

  /** The lines completed by this chunk. */
  push(chunk: Buffer): string[] {
    return this.split(this.decoder.write(chunk));
  }

  /** What is left once the output ends (a last line without newline). */
  end(): string[] {
    const lines = this.split(this.decoder.end());
    const last = this.skipping ? '' : this.partial;
    this.partial = '';
    this.skipping = false;
    return last ? [...lines, last] : lines;
  }

  private split(text: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      const piece = text.slice(start, newline);
      start = newline + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      const line = this.partial ? this.partial + piece : piece;
      this.partial = '';
      lines.push(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
    if (!this.skipping && start < text.length) {
      this.partial += text.slice(start);
      if (this.partial.length > this.maxChars) {
        lines.push(this.partial.slice(0, this.maxChars + 1));
        this.partial = '';
        this.skipping = true;
      }
    }
    return lines;
  }
}
