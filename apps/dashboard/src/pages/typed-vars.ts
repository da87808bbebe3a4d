/**
 * A template's declared vars (JSON Schema from GET /api/v1/templates) as form fields: what each input
 * holds, the checks the browser makes before sending (the server makes them again), and the typed values
 * sent as extraVars.
 */
import type { VarJsonSchema, TemplateVarsJsonSchema } from '@slipway/contracts';
import { parseRowValue } from './extra-vars';

/** What an input holds: text for text, number, select and list (one item a line) inputs; a checkbox's state. */
export type VarInput = string | boolean;

/** `untyped`: a text input whose value keeps its JSON type (numbers, true/false, objects), like the free rows. */
export type VarControl = 'select' | 'number' | 'checkbox' | 'password' | 'list' | 'text' | 'untyped';

export function controlOf(schema: VarJsonSchema): VarControl {
  if (schema['x-secret'] || schema.writeOnly) return 'password';
  if (schema.enum && schema.enum.length > 0) return 'select';
  if (schema.type === 'boolean') return 'checkbox';
  if (schema.type === 'integer' || schema.type === 'number') return 'number';
  if (schema.type === 'array') return 'list';
  if (schema.type === undefined) return 'untyped';
  return 'text';
}

/** The inputs' first state: the defaults (a secret's is never sent to the browser, so it starts empty). */
export function initialInputs(vars: TemplateVarsJsonSchema): Record<string, VarInput> {
  return Object.fromEntries(Object.entries(vars.properties).map(([name, schema]) => [name, inputOf(schema, schema.default)]));
}

function inputOf(schema: VarJsonSchema, value: unknown): VarInput {
  if (schema.type === 'boolean') return value === true;
  if (value === undefined || value === null) return '';
  if (schema.type === 'array' && Array.isArray(value)) return value.map(String).join('\n');
  if (typeof value === 'string') return value;
  if (schema.type === undefined || typeof value === 'object') return JSON.stringify(value);
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : JSON.stringify(value);
}

export function listItems(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true; // a pattern this browser cannot compile is left to the server
  }
}

function checkText(label: string, schema: { pattern?: string; minLength?: number; maxLength?: number }, value: string): string | null {
  if (schema.minLength !== undefined && value.length < schema.minLength) return `${label} must be at least ${schema.minLength} characters`;
  if (schema.maxLength !== undefined && value.length > schema.maxLength) return `${label} must be at most ${schema.maxLength} characters`;
  if (schema.pattern !== undefined && !matches(schema.pattern, value)) return `${label} must match the pattern ${schema.pattern}`;
  return null;
}

/**
 * One var's typed value, or why it cannot be sent. `undefined` means "not sent": the catalog's default
 * (or a secret's catalog value) applies.
 */
export function readVar(name: string, schema: VarJsonSchema, input: VarInput, required: boolean): { value: unknown } | { error: string } {
  if (schema.type === 'boolean') return { value: input === true };
  const text = typeof input === 'string' ? input : '';
  const secret = controlOf(schema) === 'password';
  if ((secret ? text : text.trim()) === '') return required ? { error: `${name} is required` } : { value: undefined };

  if (schema.type === undefined && !secret) return { value: parseRowValue(text) };
  if (schema.type === 'integer' || schema.type === 'number') {
    const n = Number(text.trim());
    if (!Number.isFinite(n)) return { error: `${name} must be a number` };
    if (schema.type === 'integer' && !Number.isInteger(n)) return { error: `${name} must be a whole number` };
    if (schema.minimum !== undefined && n < schema.minimum) return { error: `${name} must be at least ${schema.minimum}` };
    if (schema.maximum !== undefined && n > schema.maximum) return { error: `${name} must be at most ${schema.maximum}` };
    if (schema.enum && !schema.enum.includes(n)) return { error: `${name} must be one of ${schema.enum.join(', ')}` };
    return { value: n };
  }
  if (schema.type === 'array') {
    const items = listItems(text);
    if (required && items.length === 0) return { error: `${name} is required` };
    if (schema.minItems !== undefined && items.length < schema.minItems) return { error: `${name} needs at least ${schema.minItems} items` };
    if (schema.maxItems !== undefined && items.length > schema.maxItems) return { error: `${name} takes at most ${schema.maxItems} items` };
    for (const [i, item] of items.entries()) {
      const problem = schema.items ? checkText(`${name}, item ${i + 1},`, schema.items, item) : null;
      if (problem) return { error: problem };
    }
    return { value: items };
  }
  const value = secret ? text : text.trim();
  if (schema.enum && !schema.enum.includes(value)) return { error: `${name} must be one of ${schema.enum.join(', ')}` };
  const problem = checkText(name, schema, value);
  return problem ? { error: problem } : { value };
}

/** All declared vars: the values to send, and the problems by var name (empty when there are none). */
export function readVars(vars: TemplateVarsJsonSchema, inputs: Record<string, VarInput>): { values: Record<string, unknown>; errors: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [name, schema] of Object.entries(vars.properties)) {
    const result = readVar(name, schema, inputs[name] ?? inputOf(schema, undefined), vars.required.includes(name));
    if ('error' in result) errors[name] = result.error;
    else if (result.value !== undefined) values[name] = result.value;
  }
  return { values, errors };
}
