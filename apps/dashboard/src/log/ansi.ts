import Anser from 'anser';

/** One run of text with the same colours and decorations, ready to render as a <span>. */
export interface AnsiSegment {
  text: string;
  className: string;
}

// CSI sequences (colours, cursor moves), OSC sequences (titles, links) and other two-byte escapes.
// eslint-disable-next-line no-control-regex -- matching ESC and BEL is the point.
const ANSI_PATTERN = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function stripAnsi(line: string): string {
  return line.includes('\x1b') ? line.replace(ANSI_PATTERN, '') : line;
}

/**
 * Splits a log line into coloured segments. Classes (not inline styles) carry the colours, so the palette
 * lives in the stylesheet, follows light/dark mode, and the page's CSP needs no 'unsafe-inline'.
 */
export function ansiSegments(line: string): AnsiSegment[] {
  if (!line.includes('\x1b')) return [{ text: line, className: '' }];
  return Anser.ansiToJson(line, { use_classes: true, remove_empty: true }).map((entry) => {
    const classes: string[] = [];
    if (entry.fg) classes.push(`${entry.fg}-fg`);
    if (entry.bg) classes.push(`${entry.bg}-bg`);
    for (const decoration of entry.decorations) classes.push(`ansi-${decoration}`);
    return { text: entry.content, className: classes.join(' ') };
  });
}
