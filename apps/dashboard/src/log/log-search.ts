import { stripAnsi } from './ansi';
import type { LogBuffer } from './log-buffer';

/**
 * Line indexes whose visible text (colours stripped) contains `query`, case-insensitively, scanning
 * from `fromIndex` so that lines arriving later are searched without rescanning the rest.
 */
export function findMatches(buffer: LogBuffer, query: string, fromIndex = 0): number[] {
  const needle = query.toLowerCase();
  if (needle === '') return [];
  const matches: number[] = [];
  for (let i = fromIndex; i < buffer.length; i++) {
    if (stripAnsi(buffer.line(i)).toLowerCase().includes(needle)) matches.push(i);
  }
  return matches;
}

/** Splits `text` around case-insensitive occurrences of `query`, for <mark> highlighting. */
export function splitOnMatches(text: string, query: string): { text: string; match: boolean }[] {
  if (query === '') return [{ text, match: false }];
  const lower = text.toLowerCase();
  const needle = query.toLowerCase();
  const parts: { text: string; match: boolean }[] = [];
  let at = 0;
  for (let found = lower.indexOf(needle); found !== -1; found = lower.indexOf(needle, at)) {
    if (found > at) parts.push({ text: text.slice(at, found), match: false });
    parts.push({ text: text.slice(found, found + needle.length), match: true });
    at = found + needle.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at), match: false });
  return parts;
}
