import { isPlainObject } from './plain-object.js';
import { VAR_NAME_PATTERN, reservedNameProblem } from './reserved-names.js';
import { compilePattern, untypedValueProblem, varValueProblem } from './vars-schema.js';
import {
  DEFAULT_MAX_ITEMS,
  DEFAULT_MAX_STRING_LENGTH,
  MAX_ITEMS_CAP,
  MAX_STRING_LENGTH_CAP,
  VAR_TYPES,
  type VarSpec,
  type VarType,
} from './vars-schema.types.js';

type Report = (key: string, message: string) => void;

const SPEC_KEYS = new Set([
  'type', 'required', 'default', 'description', 'secret', 'enum', 'min', 'max',
  'minLength', 'maxLength', 'pattern', 'items', 'minItems', 'maxItems',
]);
const ITEM_KEYS = new Set(['minLength', 'maxLength', 'pattern']);
/** Which rule applies to which types; any other combination is a catalog problem, not silently ignored. */
const RULE_TYPES: Record<string, readonly VarType[]> = {
  enum: ['string', 'integer', 'number'],
  min: ['integer', 'number'],
  max: ['integer', 'number'],
  minLength: ['string'],
  maxLength: ['string'],
  pattern: ['string'],
  items: ['list'],
  minItems: ['list'],
  maxItems: ['list'],
};
/** The worker's own settings: a catalog must not hand them to a playbook as a var default. */
const FORBIDDEN_DEFAULT_ENV = /^(DATABASE_URL|REDIS_URL|SLIPWAY_.*)$/;

/**
 * A template's declared vars from its `vars:` mapping, its legacy `extraVars:` defaults map (each key an
 * untyped var with that default) and its legacy `secretVars:` list (marks vars secret; an undeclared
 * name becomes an untyped secret var). Every problem is reported through `report`.
 */
export function parseTemplateVars(
  raw: { vars?: unknown; extraVars?: unknown; secretVars?: unknown },
  report: Report,
): Record<string, VarSpec> {
  const specs: Record<string, VarSpec> = {};
  if (raw.vars !== undefined) {
    if (!isPlainObject(raw.vars)) report('vars', 'must be a mapping of var name to its declaration');
    else {
      for (const [name, decl] of Object.entries(raw.vars)) {
        const spec = parseVarSpec(name, decl, (key, message) => report(`vars.${name}${key ? `.${key}` : ''}`, message));
        if (spec) specs[name] = spec;
      }
    }
  }
  if (raw.extraVars !== undefined) {
    if (!isPlainObject(raw.extraVars)) report('extraVars', 'must be a mapping of variable name to value');
    else {
      for (const [name, value] of Object.entries(raw.extraVars)) {
        const at = `extraVars.${name}`;
        const problem = reservedNameProblem(name) ?? (Object.hasOwn(specs, name) ? 'also declared under vars (declare it once)' : null);
        if (problem) {
          report(at, problem);
          continue;
        }
        const valueProblem = untypedValueProblem(value);
        if (valueProblem) report(at, valueProblem);
        else specs[name] = { name, required: false, default: value, secret: false };
      }
    }
  }
  if (raw.secretVars !== undefined) {
    if (!Array.isArray(raw.secretVars)) report('secretVars', 'must be a list of variable names');
    else {
      raw.secretVars.forEach((name: unknown, i) => {
        const at = `secretVars[${i}]`;
        if (typeof name !== 'string' || name === '') return report(at, 'must be a non-empty string');
        const problem = reservedNameProblem(name);
        if (problem) return report(at, problem);
        const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
        if (spec) spec.secret = true;
        else specs[name] = { name, required: false, secret: true };
      });
    }
  }
  return specs;
}

function parseVarSpec(name: string, decl: unknown, report: Report): VarSpec | undefined {
  const before = problemsCounter(report);
  const fail = before.report;
  const reserved = reservedNameProblem(name);
  if (reserved) fail('', reserved);
  if (!isPlainObject(decl)) {
    fail('', 'must be a mapping such as { type: string }');
    return undefined;
  }
  for (const key of Object.keys(decl)) if (!SPEC_KEYS.has(key)) fail(key, 'unknown key');

  const type = decl.type;
  if (type === undefined) fail('type', `required (one of ${VAR_TYPES.join(', ')})`);
  else if (typeof type !== 'string' || !(VAR_TYPES as readonly string[]).includes(type)) {
    fail('type', `must be one of ${VAR_TYPES.join(', ')}`);
  }
  const varType = (VAR_TYPES as readonly unknown[]).includes(type) ? (type as VarType) : undefined;
  for (const [rule, types] of Object.entries(RULE_TYPES)) {
    if (decl[rule] !== undefined && varType && !types.includes(varType)) fail(rule, `applies to ${types.join(', ')} vars only`);
  }

  const spec: VarSpec = { name, type: varType, required: false, secret: false };
  for (const flag of ['required', 'secret'] as const) {
    if (decl[flag] === undefined) continue;
    if (typeof decl[flag] !== 'boolean') fail(flag, 'must be true or false');
    else spec[flag] = decl[flag];
  }
  if (decl.description !== undefined) {
    if (typeof decl.description !== 'string') fail('description', 'must be a string');
    else spec.description = decl.description;
  }

  const isNumeric = varType === 'integer' || varType === 'number';
  const number = (key: 'min' | 'max') => {
    const value = decl[key];
    if (value === undefined || !isNumeric) return;
    const ok = varType === 'integer' ? Number.isSafeInteger(value) : typeof value === 'number' && Number.isFinite(value);
    if (!ok) fail(key, `must be ${varType === 'integer' ? 'a whole number' : 'a number'}`);
    else spec[key] = value as number;
  };
  number('min');
  number('max');
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) fail('max', `must not be below min (${spec.min})`);

  if (varType === 'string') Object.assign(spec, stringRules(decl, fail));
  if (varType === 'list') {
    const count = (key: 'minItems' | 'maxItems') => lengthRule(decl[key], key, MAX_ITEMS_CAP, fail);
    spec.minItems = count('minItems');
    spec.maxItems = count('maxItems') ?? DEFAULT_MAX_ITEMS;
    if (spec.minItems === undefined) delete spec.minItems;
    if (spec.minItems !== undefined && spec.minItems > spec.maxItems) fail('maxItems', `must not be below minItems (${spec.minItems})`);
    if (decl.items === undefined) spec.items = { maxLength: DEFAULT_MAX_STRING_LENGTH };
    else if (!isPlainObject(decl.items)) fail('items', 'must be a mapping such as { pattern: ..., maxLength: 64 }');
    else {
      const items = decl.items;
      for (const key of Object.keys(items)) if (!ITEM_KEYS.has(key)) fail(`items.${key}`, 'unknown key (allowed: minLength, maxLength, pattern)');
      const rules = stringRules(items, (key, message) => fail(`items.${key}`, message));
      spec.items = { ...rules, maxLength: rules.maxLength ?? DEFAULT_MAX_STRING_LENGTH };
    }
  }

  if (decl.enum !== undefined && varType && RULE_TYPES.enum.includes(varType)) {
    if (!Array.isArray(decl.enum) || decl.enum.length === 0) fail('enum', 'must be a non-empty list of allowed values');
    else {
      const values = decl.enum as unknown[];
      const itemSpec: VarSpec = { ...spec, enum: undefined };
      values.forEach((value, i) => {
        const problem = varValueProblem(itemSpec, value);
        if (problem) fail(`enum[${i}]`, problem);
        else if (values.indexOf(value) !== i) fail(`enum[${i}]`, 'duplicate value');
      });
      spec.enum = values.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
    }
  }

  if (decl.default !== undefined) parseDefault(spec, decl.default, fail);
  if (spec.required && (spec.default !== undefined || spec.defaultFromEnv !== undefined)) {
    fail('required', 'a required var cannot have a default (the default would never apply)');
  }
  return before.count() > 0 ? undefined : spec;
}

function parseDefault(spec: VarSpec, value: unknown, fail: Report): void {
  if (isPlainObject(value) && Object.keys(value).length === 1 && 'env' in value) {
    const env = value.env;
    if (!spec.secret) fail('default', '{ env: NAME } is for secret vars only (add secret: true)');
    else if (typeof env !== 'string' || !VAR_NAME_PATTERN.test(env)) fail('default.env', 'must be an environment variable name');
    else if (FORBIDDEN_DEFAULT_ENV.test(env)) fail('default.env', `${env} is Slipway's own setting and is never handed to a playbook`);
    else spec.defaultFromEnv = env;
    return;
  }
  const problem = spec.type === undefined ? null : varValueProblem(spec, value);
  if (problem) fail('default', problem);
  else spec.default = value;
}

function stringRules(decl: Record<string, unknown>, fail: Report): { minLength?: number; maxLength?: number; pattern?: string } {
  const rules: { minLength?: number; maxLength?: number; pattern?: string } = {};
  const min = lengthRule(decl.minLength, 'minLength', MAX_STRING_LENGTH_CAP, fail);
  if (min !== undefined) rules.minLength = min;
  rules.maxLength = lengthRule(decl.maxLength, 'maxLength', MAX_STRING_LENGTH_CAP, fail) ?? DEFAULT_MAX_STRING_LENGTH;
  if (rules.minLength !== undefined && rules.minLength > rules.maxLength) fail('maxLength', `must not be below minLength (${rules.minLength})`);
  if (decl.pattern !== undefined) {
    if (typeof decl.pattern !== 'string' || decl.pattern === '') fail('pattern', 'must be a non-empty regular expression string');
    else {
      try {
        compilePattern(decl.pattern);
        rules.pattern = decl.pattern;
      } catch (error) {
        fail('pattern', `not a valid regular expression: ${(error as Error).message}`);
      }
    }
  }
  return rules;
}

function lengthRule(value: unknown, key: string, cap: number, fail: Report): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > cap) {
    fail(key, `must be a whole number from 0 to ${cap}`);
    return undefined;
  }
  return value as number;
}

function problemsCounter(report: Report): { report: Report; count: () => number } {
  let count = 0;
  return {
    report: (key, message) => {
      count += 1;
      report(key, message);
    },
    count: () => count,
  };
}
