import type { LimitPolicy } from './vars-schema.types.js';

/** The hosts and groups of one inventory, as `ansible-inventory --list` reports them. */
export interface InventoryNames {
  hosts: string[];
  groups: string[];
}

export interface LimitPart {
  /** As written, e.g. "!web1". */
  raw: string;
  /** Without its "!" (exclude) or "&" (intersect) prefix, e.g. "web1". */
  name: string;
}

/**
 * Splits a `--limit` value the way ansible reads host patterns: on ",", ":" and whitespace (ansible
 * splits on commas, or on colons when there is none; splitting on both and on blanks is stricter, and
 * means a blank cannot hide a second pattern such as " @/etc/passwd"). Empty parts are kept, so the
 * caller can refuse "a,,b" and trailing separators.
 */
export function splitLimit(limit: string): LimitPart[] {
  return limit.split(/[,:\s]/).map((raw) => ({ raw, name: raw.replace(/^[!&]/, '') }));
}

/**
 * Why `limit` is not acceptable for a template with `policy` on an inventory with `names`, or null.
 * Each part must be a host or group of the inventory (exact name), and with a list policy one of the
 * listed patterns. "@file" (ansible reads patterns from a file), a leading "-" and empty parts are
 * always refused.
 */
export function limitProblem(limit: string, policy: LimitPolicy, names: InventoryNames | undefined): string | null {
  if (policy === 'none') return 'limit: this template takes no limit (limit: none in the catalog)';
  const problems: string[] = [];
  for (const part of splitLimit(limit)) {
    if (part.name === '') problems.push(part.raw === '' ? 'empty pattern (check for doubled or trailing separators)' : `"${part.raw}" has no name after its prefix`);
    else if (part.name.startsWith('@')) problems.push(`"${part.raw}" reads patterns from a file (@) and is never accepted`);
    else if (part.name.startsWith('-') || part.raw.startsWith('-')) problems.push(`"${part.raw}" starts with "-"`);
    else if (/^[!&]/.test(part.name)) problems.push(`"${part.raw}" has more than one prefix`);
    else if (Array.isArray(policy)) {
      // Compared as written: "!web1" alone means "every host but web1", so it must be listed itself.
      if (!policy.includes(part.raw)) problems.push(`"${part.raw}" is not allowed for this template (allowed: ${policy.join(', ')})`);
    } else if (names && !names.hosts.includes(part.name) && !names.groups.includes(part.name)) {
      problems.push(`"${part.name}" is not a host or group of the inventory`);
    }
  }
  return problems.length > 0 ? `limit: ${problems.join('; ')}` : null;
}
