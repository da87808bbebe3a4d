import { splitLimit } from './host-limit.js';

// One tag's length is the API's contract (libs/contracts limits.ts, which says why); the argv rules apply it.
import { MAX_TAG_LENGTH } from '@slipway/contracts';
export { MAX_TAG_LENGTH };
/** All of a release's tags and skip-tags together, so the whole argv stays far below the kernel's limits. */
export const MAX_TAGS_TOTAL_CHARS = 16_384;

/** What to run; the `ansible-playbook` executable itself is not part of the argv. */
export interface AnsibleInvocation {
  inventoryPath: string;
  playbookPath: string;
  /** Extra vars go through a file (see `writeExtraVarsFile`), never on the command line. */
  extraVarsFile?: string;
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  checkMode?: boolean;
}

/** A value `buildAnsibleArgv` refused; `field` names the offending option. */
export class ArgvError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'ArgvError';
    this.field = field;
  }
}

// Tag fields as named by callers: "tags" or one element such as "skipTags[2]".
const TAG_FIELD = /^(tags|skipTags)(\[\d+\])?$/;

/**
 * Why `value` is not acceptable for option `field`, or null if it is.
 * Use it to reject user input early; `buildAnsibleArgv` re-checks as a second line of defense.
 */
export function validateOptionValue(field: string, value: string): string | null {
  if (value === '') return `${field}: must not be empty`;
  // A leading "-" could be parsed by ansible as another option.
  if (value.startsWith('-')) return `${field}: must not start with "-"`;
  if (/[\r\n\0]/.test(value)) return `${field}: must not contain line breaks or NUL characters`;
  // "--limit @file" makes ansible read host patterns from an arbitrary file, also as a later part
  // ("localhost,@/etc/passwd", " @/etc/passwd", "!@file").
  if (field === 'limit' && splitLimit(value).some((part) => part.name.startsWith('@') || part.name.startsWith('-'))) {
    return `${field}: no pattern may start with "@" or "-"`;
  }
  if (TAG_FIELD.test(field) && value.length > MAX_TAG_LENGTH) return `${field}: at most ${MAX_TAG_LENGTH} characters`;
  // Tags are joined with ",", so a comma would silently split one tag into several.
  if (TAG_FIELD.test(field) && value.includes(',')) return `${field}: a single tag must not contain ","`;
  return null;
}

/** Why a release's tags and skip-tags are too much for one command line together, or null. */
export function tagsTotalProblem(tags: readonly string[] = [], skipTags: readonly string[] = []): string | null {
  const total = [...tags, ...skipTags].reduce((sum, tag) => sum + tag.length + 1, 0);
  return total > MAX_TAGS_TOTAL_CHARS ? `tags: tags and skipTags together must be at most ${MAX_TAGS_TOTAL_CHARS} characters` : null;
}

/** Arguments for `ansible-playbook`, playbook last. Throws `ArgvError` on unsafe values. */
export function buildAnsibleArgv(inv: AnsibleInvocation): string[] {
  const argv = ['-i', checked('inventoryPath', inv.inventoryPath)];
  if (inv.extraVarsFile !== undefined) argv.push('-e', `@${checked('extraVarsFile', inv.extraVarsFile)}`);
  if (inv.limit !== undefined) argv.push(`--limit=${checked('limit', inv.limit)}`);
  // An empty tag list means "no tag filter", the same as leaving it out.
  if (inv.tags?.length) argv.push(`--tags=${checkedList('tags', inv.tags)}`);
  if (inv.skipTags?.length) argv.push(`--skip-tags=${checkedList('skipTags', inv.skipTags)}`);
  if (inv.checkMode) argv.push('--check', '--diff');
  const tooMany = tagsTotalProblem(inv.tags, inv.skipTags);
  if (tooMany) throw new ArgvError('tags', tooMany);
  argv.push(checked('playbookPath', inv.playbookPath));
  return argv;
}

function checked(field: string, value: string): string {
  const error = validateOptionValue(field, value);
  if (error !== null) throw new ArgvError(field, error);
  return value;
}

function checkedList(field: string, values: string[]): string {
  return values.map((value, i) => checked(`${field}[${i}]`, value)).join(',');
}
