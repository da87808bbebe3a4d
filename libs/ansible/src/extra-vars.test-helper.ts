import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

// A double-quoted string (kept as is) or a tag outside of strings (dropped).
const STRING_OR_TAG = /("(?:[^"\\]|\\.)*")|!unsafe /g;

/** Reads an extra vars file back as data, ignoring the `!unsafe` tags (which only matter to ansible). */
export async function readExtraVarsForTest(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  return parse(text.replace(STRING_OR_TAG, (_match, str: string | undefined) => str ?? ''));
}
