// Types only (erased from the bundle, so zod is not in it): the API's contract.
import type { Template, VarJsonSchema } from '@slipway/contracts';
import { CliError } from './exit-codes.js';

/** One declared var as `GET /api/v1/templates` describes it (a JSON Schema property). */
export type VarSchema = VarJsonSchema;

/**
 * A template as `GET /api/v1/templates` answers it. Only the fields every API version sent are required:
 * an API from before typed vars sends no `vars` (then every -e value is a string) and no `openVars`.
 */
export type TemplateJson = Pick<Template, 'name' | 'description' | 'inventories' | 'defaultInventory'> & Partial<Template>;

/**
 * A `-e key=value` value as the declared type wants it. Only the shape is converted here; range, pattern,
 * enum and unknown names are the API's to judge (it names the var and the rule), so a value that does
 * not even parse as its type is sent as the string it was, and the API refuses it.
 */
export function coerceVar(name: string, raw: string, schema: VarSchema | undefined): unknown {
  switch (schema?.type) {
    case 'integer':
    case 'number': {
      const n = raw.trim() === '' ? Number.NaN : Number(raw);
      return Number.isFinite(n) ? n : raw;
    }
    case 'boolean': {
      const lower = raw.trim().toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(lower)) return true;
      if (['false', 'no', 'off', '0'].includes(lower)) return false;
      return raw;
    }
    case 'array': {
      if (raw.trim().startsWith('[')) {
        try {
          return JSON.parse(raw) as unknown;
        } catch {
          throw new CliError(`-e ${name}: not a JSON list: ${raw}`);
        }
      }
      return raw === '' ? [] : raw.split(',').map((item) => item.trim());
    }
    default:
      return raw; // string, or a var the template does not declare: the API says whether it may be given
  }
}

/** One table row per var for `template show`: name, type, its rules, description. */
export function describeVar(name: string, schema: VarSchema, required: boolean): string[] {
  const type = schema.type === 'array' ? `list of ${schema.items?.type ?? 'string'}` : (schema.type ?? 'any');
  const rules: string[] = [];
  if (required) rules.push('required');
  if (schema['x-secret'] || schema.writeOnly) rules.push('secret');
  if (schema.enum) rules.push(`one of ${schema.enum.map(String).join('|')}`);
  if (schema.minimum !== undefined) rules.push(`min ${schema.minimum}`);
  if (schema.maximum !== undefined) rules.push(`max ${schema.maximum}`);
  if (schema.minLength !== undefined) rules.push(`min length ${schema.minLength}`);
  if (schema.maxLength !== undefined) rules.push(`max length ${schema.maxLength}`);
  if (schema.minItems !== undefined) rules.push(`min ${schema.minItems} items`);
  if (schema.maxItems !== undefined) rules.push(`max ${schema.maxItems} items`);
  if (schema.pattern !== undefined) rules.push(`pattern ${catalogPattern(schema.pattern)}`);
  if (schema.default !== undefined) rules.push(`default ${JSON.stringify(schema.default)}`);
  return [name, type, rules.join(', ') || '-', schema.description ?? ''];
}

/**
 * The pattern as the catalog wrote it: the API anchors every pattern as `^(?:pattern)$` (the whole value
 * must match), which is noise to a reader, and doubled when the catalog anchored it already.
 */
export function catalogPattern(anchored: string): string {
  const inner = /^\^\(\?:([\s\S]*)\)\$$/.exec(anchored)?.[1];
  // Only when the group closing at the end is the one opened at the start: `^(?:a)|(?:b)$` stays whole.
  return inner !== undefined && balancedGroups(inner) ? inner : anchored;
}

function balancedGroups(pattern: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}
