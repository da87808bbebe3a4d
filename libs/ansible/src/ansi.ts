// CSI sequences (colours, cursor moves), OSC sequences (titles, links) and other two-byte escapes.
// eslint-disable-next-line no-control-regex -- matching ESC and BEL is the point.
const ANSI_PATTERN = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** `s` without ANSI terminal escape sequences. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI_PATTERN, '');
}
