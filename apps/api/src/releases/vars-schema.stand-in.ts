/**
 * TEMP contract stand-in (dashboard branch only; the lead drops this commit for the catalog engineer's
 * real implementation). Gives the dashboard the agreed contract to build against:
 * - `varsSchemaOf(template)`: the template's vars as JSON Schema, as GET /api/v1/templates returns it;
 * - `checkDeclaredVars(template, extraVars)`: the 400 field errors POST /api/v1/releases answers with.
 * The declared vars come from the catalog's `vars:` block (kept raw on the template by the loader);
 * templates with only an `extraVars:` defaults map get one untyped-ish var per default and openVars.
 */
import type { CatalogTemplate } from '@slipway/ansible';

type VarType = 'string' | 'integer' | 'number' | 'boolean' | 'array';

interface RawVar {
  type?: string;
  description?: string;
  required?: boolean;
  default?: unknown;
  enum?: unknown[];
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  secret?: boolean;
  minItems?: number;
  maxItems?: number;
}

interface PropertySchema {
  type: VarType;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: { type: 'string' };
  minItems?: number;
  maxItems?: number;
  writeOnly?: true;
  'x-secret'?: true;
}

export interface VarsSchema {
  type: 'object';
  properties: Record<string, PropertySchema>;
  required: string[];
  additionalProperties: boolean;
}

export interface FieldError {
  field: string;
  message: string;
}

type WithRawVars = CatalogTemplate & { rawVars?: Record<string, RawVar>; openVars?: boolean };

function inferType(value: unknown): VarType {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (Array.isArray(value)) return 'array';
  return 'string';
}

function typeOf(raw: RawVar): VarType {
  if (raw.type === 'list') return 'array';
  if (raw.type === 'integer' || raw.type === 'number' || raw.type === 'boolean') return raw.type;
  return 'string';
}

export function openVarsOf(template: CatalogTemplate): boolean {
  const t = template as WithRawVars;
  return t.rawVars === undefined ? true : t.openVars === true;
}

export function varsSchemaOf(template: CatalogTemplate): VarsSchema {
  const t = template as WithRawVars;
  if (t.rawVars === undefined) {
    const properties = Object.fromEntries(
      Object.entries(t.extraVars)
        .filter(([name]) => !t.secretVars.includes(name))
        .map(([name, value]) => [name, { type: inferType(value), default: value } satisfies PropertySchema]),
    );
    return { type: 'object', properties, required: [], additionalProperties: true };
  }
  const properties: Record<string, PropertySchema> = {};
  const required: string[] = [];
  for (const [name, raw] of Object.entries(t.rawVars)) {
    const type = typeOf(raw);
    const p: PropertySchema = { type };
    if (raw.description) p.description = raw.description;
    if (raw.secret) {
      p.writeOnly = true;
      p['x-secret'] = true;
    } else if (raw.default !== undefined) p.default = raw.default;
    if (raw.enum) p.enum = raw.enum;
    if (raw.min !== undefined) p.minimum = raw.min;
    if (raw.max !== undefined) p.maximum = raw.max;
    if (raw.minLength !== undefined) p.minLength = raw.minLength;
    if (raw.maxLength !== undefined) p.maxLength = raw.maxLength;
    if (raw.pattern !== undefined) p.pattern = raw.pattern;
    if (type === 'array') p.items = { type: 'string' };
    if (raw.minItems !== undefined) p.minItems = raw.minItems;
    if (raw.maxItems !== undefined) p.maxItems = raw.maxItems;
    properties[name] = p;
    if (raw.required) required.push(name);
  }
  return { type: 'object', properties, required, additionalProperties: t.openVars === true };
}

/** Every problem of `extraVars` against the declared vars, each named `extraVars.<name>`. */
export function checkDeclaredVars(template: CatalogTemplate, extraVars: Record<string, unknown>): FieldError[] {
  const t = template as WithRawVars;
  if (t.rawVars === undefined) return [];
  const schema = varsSchemaOf(template);
  const errors: FieldError[] = [];
  const fail = (name: string, rule: string) => errors.push({ field: `extraVars.${name}`, message: `extraVars.${name}: ${rule}` });
  for (const [name, value] of Object.entries(extraVars)) {
    const p = schema.properties[name];
    if (!p) {
      if (name.startsWith('ansible_')) fail(name, 'is a reserved name');
      else if (!schema.additionalProperties) fail(name, `is not declared by template ${template.name}`);
      continue;
    }
    if (p.type === 'string') {
      if (typeof value !== 'string') fail(name, 'must be a string');
      else if (p.enum && !p.enum.includes(value)) fail(name, `must be one of ${p.enum.join(', ')}`);
      else if (p.pattern && !new RegExp(p.pattern, 'u').test(value)) fail(name, `must match ${p.pattern}`);
      else if (p.maxLength !== undefined && value.length > p.maxLength) fail(name, `must be at most ${p.maxLength} characters`);
    } else if (p.type === 'integer' || p.type === 'number') {
      if (typeof value !== 'number' || (p.type === 'integer' && !Number.isInteger(value))) fail(name, `must be ${p.type === 'integer' ? 'an integer' : 'a number'}`);
      else if (p.minimum !== undefined && value < p.minimum) fail(name, `must be at least ${p.minimum}`);
      else if (p.maximum !== undefined && value > p.maximum) fail(name, `must be at most ${p.maximum}`);
    } else if (p.type === 'boolean') {
      if (typeof value !== 'boolean') fail(name, 'must be true or false');
    } else if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) fail(name, 'must be a list of strings');
  }
  for (const name of schema.required) {
    if (extraVars[name] === undefined && t.rawVars[name]?.default === undefined) fail(name, 'is required');
  }
  return errors;
}
