// The same pattern as libs/ansible's stripAnsi, kept here so the CLI bundle does not pull in the
// catalog code (and Nest) behind that library's index.
// eslint-disable-next-line no-control-regex -- matching ESC and BEL is the point.
const ANSI_PATTERN = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

/** Colours only on a terminal: CI logs and pipes get plain text. */
export function forStdout(text: string): string {
  return process.stdout.isTTY ? text : stripAnsi(text);
}

export function forStderr(text: string): string {
  return process.stderr.isTTY ? text : stripAnsi(text);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Status and progress notes: stderr, so stdout stays the log (or the JSON) alone. */
export function note(message: string): void {
  process.stderr.write(`slipway: ${message}\n`);
}
