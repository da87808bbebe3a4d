import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** Reads an extra vars file back the way ansible does, treating `!unsafe` as plain data. */
export async function readExtraVarsForTest(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  return parse(text, {
    customTags: [
      { tag: '!unsafe', identify: () => false, resolve: (value: string) => value },
      { tag: '!unsafe', identify: () => false, collection: 'map', nodeClass: undefined, resolve: (value: unknown) => value },
    ],
  });
}
