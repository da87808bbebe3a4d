/*
 * How a release's "what ran" fields are shown (CLI and dashboard), so it can be told apart from any other
 * run a week later. Pure functions only: the CLI and the dashboard (a browser bundle)
 * import this file directly, without the rest of libs/releases.
 */

import type { ReleaseWhatRan } from '@slipway/contracts';

/** The "what ran" fields of a release are the contract's (libs/contracts releases.ts), declared once there. */
export type { ReleaseWhatRan };

export interface WhatRanRow {
  key: keyof ReleaseWhatRan;
  label: string;
  /** How a value is shown: as is, or an argv as one copy-pasteable command line. */
  format?: 'command';
}

/**
 * The rows of the "What ran" section, in order, for `slipway release show` and the release page. A new
 * recorded field is one line here (plus its field in ReleaseWhatRan and the API's view).
 */
export const WHAT_RAN_ROWS: readonly WhatRanRow[] = [
  { key: 'argv', label: 'Command', format: 'command' },
  { key: 'ansibleVersion', label: 'ansible-core' },
  { key: 'catalogDigest', label: 'Catalog digest' },
];

/** A row's value as text, or null when it is not recorded. */
export function whatRanText(row: WhatRanRow, release: ReleaseWhatRan): string | null {
  const value = release[row.key];
  if (value === null || value === undefined) return null;
  if (row.format === 'command' && Array.isArray(value)) return formatArgv(value);
  return Array.isArray(value) ? value.join(' ') : String(value);
}

// Words a POSIX shell takes literally; anything else is single-quoted.
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** argv as one POSIX shell command line (single quotes where needed), so it can be copied and run. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((word) => (PLAIN_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}
