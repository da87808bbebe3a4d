import type { FieldError } from '@slipway/contracts';
import { isPlainObject } from './plain-object.js';
import { PROTOTYPE_KEYS, reservedNameProblem } from './reserved-names.js';
import {
  MAX_RELEASE_VARS,
  MAX_UNTYPED_VALUE_CHARS,
  MAX_VALUE_DEPTH,
  type TemplateVarsJsonSchema,
  type VarJsonSchema,
  type VarSpec,
} from './vars-schema.types.js';

/** What release validation needs of a template. */
export interface VarsTemplate {
  name: string;
  vars: Record<string, VarSpec>;
  openVars: boolean;
}

const compiled = new Map<string, RegExp>();

/**
 * A catalog pattern as matched against values: the whole value must match (`^(?:pattern)$`), like an
 * HTML `pattern` attribute, so `[0-9]+` cannot be satisfied by "1; rm -rf /". Unicode mode.
 */
export function anchoredPattern(pattern: string): string {
  return `^(?:${pattern})$`;
}

/** The compiled, anchored pattern; throws SyntaxError for an invalid one (the loader reports it). */
export function compilePattern(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(anchoredPattern(pattern), 'u');
    compiled.set(pattern, regex);
  }
  return regex;
}

/**
 * Why `value` is not acceptable for `spec`, naming the rule in parentheses, or null if it is.
 * Never quotes the value: it may be a secret.
 */
export function varValueProblem(spec: VarSpec, value: unknown): string | null {
  switch (spec.type) {
    case undefined:
      return untypedValueProblem(value);
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false (type boolean)';
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return 'must be a whole number (type integer)';
      return numberProblem(spec, value);
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number (type number)';
      return numberProblem(spec, value);
    case 'string':
      if (typeof value !== 'string') return 'must be a string (type string)';
      return stringProblem(spec, value, spec.secret);
    case 'list':
      return listProblem(spec, value);
  }
}

function numberProblem(spec: VarSpec, value: number): string | null {
  if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min} (min)`;
  if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max} (max)`;
  return enumProblem(spec, value, spec.secret);
}

/** What a message says in place of a secret var's pattern or enum, which can narrow it down or be its value. */
const HIDDEN = 'not shown for a secret var';

function stringProblem(
  rules: { minLength?: number; maxLength?: number; pattern?: string; enum?: Array<string | number> },
  value: string,
  secret: boolean,
): string | null {
  // Length first: the pattern only ever sees bounded input.
  if (rules.maxLength !== undefined && value.length > rules.maxLength) return `must be at most ${rules.maxLength} characters (maxLength)`;
  if (rules.minLength !== undefined && value.length < rules.minLength) return `must be at least ${rules.minLength} characters (minLength)`;
  if (rules.pattern !== undefined && !compilePattern(rules.pattern).test(value)) {
    return secret ? `must match the pattern the catalog sets (pattern; ${HIDDEN})` : `must match ${anchoredPattern(rules.pattern)} (pattern)`;
  }
  return rules.enum ? enumProblem({ enum: rules.enum }, value, secret) : null;
}

function enumProblem(spec: Pick<VarSpec, 'enum'>, value: string | number, secret: boolean): string | null {
  if (spec.enum === undefined || spec.enum.includes(value)) return null;
  if (secret) return `must be one of the values the catalog sets (enum; ${HIDDEN})`;
  return `must be one of ${spec.enum.map((v) => JSON.stringify(v)).join(', ')} (enum)`;
}

function listProblem(spec: VarSpec, value: unknown): string | null {
  if (!Array.isArray(value)) return 'must be a list of strings (type list)';
  if (spec.maxItems !== undefined && value.length > spec.maxItems) return `must have at most ${spec.maxItems} items (maxItems)`;
  if (spec.minItems !== undefined && value.length < spec.minItems) return `must have at least ${spec.minItems} items (minItems)`;
  for (const [i, item] of value.entries()) {
    if (typeof item !== 'string') return `item ${i} must be a string (type list)`;
    const problem = stringProblem(spec.items ?? {}, item, spec.secret);
    if (problem) return `item ${i} ${problem.replace(/\((\w+)(;[^)]*)?\)$/, '(items.$1$2)')}`;
  }
  return null;
}

/**
 * Any JSON value, bounded: containers nested at most MAX_VALUE_DEPTH deep, at most
 * MAX_UNTYPED_VALUE_CHARS as JSON, and no `__proto__`/`constructor`/`prototype` key at any level.
 * Iterative, so a value nested 100 000 deep cannot overflow the stack.
 */
export function untypedValueProblem(value: unknown): string | null {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_VALUE_DEPTH) return `must not nest lists or mappings more than ${MAX_VALUE_DEPTH} deep (depth)`;
    if (Array.isArray(current)) {
      for (const item of current) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(current as Record<string, unknown>)) {
      if (PROTOTYPE_KEYS.has(key)) return `must not contain the key "${key}" (reserved key)`;
      stack.push({ value: item, depth: depth + 1 });
    }
  }
  const json = JSON.stringify(value);
  if (json === undefined) return 'must be a JSON value';
  if (json.length > MAX_UNTYPED_VALUE_CHARS) return `must be at most ${MAX_UNTYPED_VALUE_CHARS} characters as JSON (size)`;
  return null;
}

/** In a `u` regex a surrogate pair is one code point, so only a lone surrogate matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * A lone surrogate ("a\ud800") in any string or key of its value at any depth, cannot be
 * written as UTF-8 to the DB or the extra-vars file (a 500, or ansible exiting 4 for a secret var): refused
 * here for every var, typed, untyped and secret alike (issue 20, item 3); a name with one already fails the
 * name rule. Iterative, like untypedValueProblem.
 */
function loneSurrogateProblem(value: unknown): string | null {
  const problem = 'must not contain a lone surrogate (not a whole Unicode character)';
  const stack: unknown[] = [value];
  let seen = 0;
  while (stack.length > 0 && seen++ < MAX_SURROGATE_SCAN) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (LONE_SURROGATE.test(current)) return problem;
    } else if (Array.isArray(current)) {
      stack.push(...(current as unknown[]));
    } else if (current !== null && typeof current === 'object') {
      for (const [key, item] of Object.entries(current as Record<string, unknown>)) {
        if (LONE_SURROGATE.test(key)) return problem;
        stack.push(item);
      }
    }
  }
  return null;
}

/** Bounds the scan; a value this big fails untypedValueProblem's size check anyway. */
const MAX_SURROGATE_SCAN = 100_000;

export interface ReleaseVarsResult {
  /** The vars to store: declared vars given or defaulted (catalog order), then undeclared ones of an openVars template. */
  vars: Record<string, unknown>;
  problems: FieldError[];
}

/**
 * Checks a release's `extraVars` against its template and applies the defaults. Every problem is
 * reported (field "extraVars.<name>"), not only the first. Reserved names are refused even when the
 * template has `openVars`. A secret var defaulting to `{ env: NAME }` is left out when not given: the
 * worker resolves it at run time.
 */
export function validateReleaseVars(template: VarsTemplate, input: unknown): ReleaseVarsResult {
  const problems: FieldError[] = [];
  const report = (name: string, message: string) => problems.push({ field: `extraVars.${name}`, message: `extraVars.${name}: ${message}` });
  if (input === undefined) input = {};
  if (!isPlainObject(input)) {
    return { vars: {}, problems: [{ field: 'extraVars', message: 'extraVars: must be an object of var name to value' }] };
  }
  const entries = Object.entries(input).filter(([, value]) => value !== undefined);
  if (entries.length > MAX_RELEASE_VARS) {
    problems.push({ field: 'extraVars', message: `extraVars: at most ${MAX_RELEASE_VARS} vars` });
  }
  const declared = Object.keys(template.vars);
  const given = new Map<string, unknown>();
  for (const [name, value] of entries) {
    const reserved = reservedNameProblem(name);
    if (reserved) {
      report(name, reserved);
      continue;
    }
    const spec = Object.hasOwn(template.vars, name) ? template.vars[name] : undefined;
    if (!spec && !template.openVars) {
      report(name, `unknown var (template ${template.name} declares ${declared.length > 0 ? declared.join(', ') : 'no vars'})`);
      continue;
    }
    const problem = loneSurrogateProblem(value) ?? (spec ? varValueProblem(spec, value) : untypedValueProblem(value));
    if (problem) report(name, problem);
    else given.set(name, value);
  }
  for (const spec of Object.values(template.vars)) {
    if (spec.required && !Object.hasOwn(input, spec.name)) report(spec.name, 'required');
  }

  // fromEntries defines keys (no prototype setter), though reserved names never get this far anyway.
  const vars = Object.fromEntries([
    ...Object.values(template.vars).flatMap((spec): Array<[string, unknown]> => {
      if (given.has(spec.name)) return [[spec.name, given.get(spec.name)]];
      return 'default' in spec ? [[spec.name, spec.default]] : [];
    }),
    ...[...given].filter(([name]) => !Object.hasOwn(template.vars, name)),
  ]);
  return { vars, problems };
}

/** CONTRACT: the template's vars as the JSON Schema `GET /api/v1/templates` returns. Secret defaults never appear. */
export function toVarsJsonSchema(template: VarsTemplate): TemplateVarsJsonSchema {
  const properties: Record<string, VarJsonSchema> = {};
  for (const spec of Object.values(template.vars)) properties[spec.name] = varJsonSchema(spec);
  return {
    type: 'object',
    properties,
    required: Object.values(template.vars).filter((spec) => spec.required).map((spec) => spec.name),
    additionalProperties: template.openVars,
  };
}

function varJsonSchema(spec: VarSpec): VarJsonSchema {
  const schema: VarJsonSchema = {};
  if (spec.type !== undefined) schema.type = spec.type === 'list' ? 'array' : spec.type;
  if (spec.description !== undefined) schema.description = spec.description;
  if (!spec.secret && 'default' in spec) schema.default = spec.default;
  // A secret's pattern or enum is never published: it can narrow the secret down to a guess, or be it.
  if (spec.enum !== undefined && !spec.secret) schema.enum = spec.enum;
  if (spec.min !== undefined) schema.minimum = spec.min;
  if (spec.max !== undefined) schema.maximum = spec.max;
  if (spec.minLength !== undefined) schema.minLength = spec.minLength;
  if (spec.maxLength !== undefined) schema.maxLength = spec.maxLength;
  if (spec.pattern !== undefined && !spec.secret) schema.pattern = anchoredPattern(spec.pattern);
  if (spec.items !== undefined) {
    schema.items = {
      type: 'string',
      ...(spec.items.minLength !== undefined ? { minLength: spec.items.minLength } : {}),
      maxLength: spec.items.maxLength,
      ...(spec.items.pattern !== undefined && !spec.secret ? { pattern: anchoredPattern(spec.items.pattern) } : {}),
    };
  }
  if (spec.minItems !== undefined) schema.minItems = spec.minItems;
  if (spec.maxItems !== undefined) schema.maxItems = spec.maxItems;
  if (spec.secret) {
    schema.writeOnly = true;
    schema['x-secret'] = true;
  }
  return schema;
}
