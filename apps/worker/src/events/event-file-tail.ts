import { open } from 'node:fs/promises';

/** How long the tail waits at the end of the file before looking again (the plugin writes unbuffered). */
const POLL_MS = 20;
/**
 * Read in small pieces: each piece's lines are parsed in one go, and while that runs the store's round trips
 * wait on the event loop. 256 KiB (about 1 000 lines at once) left the DB idle half the time; 16 KiB lets
 * the next batch's statements go out between pieces (ingest bench, then run with default V8 flags: 22 000 ->
 * 28 000-30 000 events/s; docs/benchmarks.md has today's figures, under the worker's flags). A longer line
 * spans pieces and is joined as before.
 */
const CHUNK_BYTES = 16 * 1024;

/**
 * Follows the callback plugin's append-only file (apps/worker/callback_plugins/slipway_events.py) line by
 * line, from the start, at the worker's own pace: while `onLine`'s promise is pending nothing more is read,
 * and the backlog waits on disk, never in memory, and never holds ansible up. `finish()` (once ansible has
 * exited) reads to the end and stops; a last line without its newline is torn (ansible was killed mid-write)
 * and is not an event.
 */
export class EventFileTail {
  private finishing = false;
  private wake: (() => void) | null = null;
  readonly done: Promise<void>;

  constructor(
    private readonly file: string,
    private readonly onLine: (line: string) => Promise<void> | null | void,
  ) {
    this.done = this.follow();
  }

  /** Reads what is left and ends. */
  finish(): Promise<void> {
    this.finishing = true;
    this.wake?.();
    return this.done;
  }

  private async follow(): Promise<void> {
    const handle = await this.openWhenThere();
    if (!handle) return;
    try {
      const buffer = Buffer.alloc(CHUNK_BYTES);
      let position = 0;
      let partial: Buffer[] = [];
      for (;;) {
        // Looked at before the read: a read that finds nothing after finish() was asked means the end.
        const last = this.finishing;
        const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position);
        if (bytesRead === 0) {
          if (last) return;
          await this.pause();
          continue;
        }
        position += bytesRead;
        let start = 0;
        for (let at = buffer.indexOf(10, 0); at !== -1 && at < bytesRead; at = buffer.indexOf(10, start)) {
          const piece = buffer.subarray(start, at);
          const line = partial.length ? Buffer.concat([...partial, piece]).toString('utf8') : piece.toString('utf8');
          partial = [];
          start = at + 1;
          const wait = this.onLine(line);
          if (wait) await wait;
        }
        if (start < bytesRead) partial.push(Buffer.from(buffer.subarray(start, bytesRead)));
      }
    } finally {
      await handle.close();
    }
  }

  /** The plugin creates the file when ansible loads it: until then, and if it never does, there is nothing. */
  private async openWhenThere() {
    for (;;) {
      const last = this.finishing;
      try {
        return await open(this.file, 'r');
      } catch {
        if (last) return null;
        await this.pause();
      }
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, POLL_MS);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}
