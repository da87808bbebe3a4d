import type { HostRecapCounts } from '@slipway/contracts';
import { stripAnsi } from './ansi.js';

/** Per-host counters from ansible's PLAY RECAP: the API contract's HostRecap, declared once there. */
export type HostRecap = HostRecapCounts;

const RECAP_HEADER = /^PLAY RECAP \**\s*$/;
// "web-1.example.com          : ok=2    changed=1    unreachable=0 ..." (hosts longer than the column are not padded).
const HOST_LINE = /^(\S+)\s+:\s+((?:[a-z]+=\d+\s*)+)$/;
const COUNTER = /([a-z]+)=(\d+)/g;

function emptyRecap(): HostRecap {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}

function isCounter(key: string): key is keyof HostRecap {
  return Object.hasOwn(emptyRecap(), key);
}

/** Collects the PLAY RECAP from ansible-playbook output fed line by line, as it streams. */
export class RecapParser {
  private inRecap = false;
  private hosts = new Map<string, HostRecap>();
  private seen = false;

  /** Feeds one line of output; a chunk with several lines is split. */
  push(line: string): void {
    for (const part of line.split('\n')) this.pushLine(part);
  }

  /** Whether a PLAY RECAP header has been seen (no recap usually means ansible died early). */
  get hasRecap(): boolean {
    return this.seen;
  }

  /** Host -> counters, from the latest PLAY RECAP seen. */
  get result(): Record<string, HostRecap> {
    return Object.fromEntries([...this.hosts].map(([host, recap]) => [host, { ...recap }]));
  }

  private pushLine(raw: string): void {
    const line = visibleText(raw);
    if (RECAP_HEADER.test(line)) {
      this.inRecap = true;
      this.seen = true;
      this.hosts.clear();
      return;
    }
    if (!this.inRecap || line.trim() === '') return;
    const match = HOST_LINE.exec(line.trimEnd());
    if (!match) {
      // Anything else (custom stats, warnings) ends the recap block.
      this.inRecap = false;
      return;
    }
    const [, host = '', counters = ''] = match;
    const recap = emptyRecap();
    for (const [, key = '', value = '0'] of counters.matchAll(COUNTER)) {
      if (isCounter(key)) recap[key] = Number(value);
    }
    this.hosts.set(host, recap);
  }
}

/** The PLAY RECAP counters found in a complete ansible-playbook output. */
export function parsePlayRecap(text: string): Record<string, HostRecap> {
  const parser = new RecapParser();
  parser.push(text);
  return parser.result;
}

/**
 * What a terminal would show for the line: no colour codes, and for a carriage return
 * (ansible's pause prints one) only the text after it.
 */
function visibleText(raw: string): string {
  const parts = stripAnsi(raw).replace(/\r+$/, '').split('\r');
  return parts[parts.length - 1] ?? '';
}
