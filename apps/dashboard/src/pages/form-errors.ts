import type { FieldError } from '@slipway/contracts';

/** The New release form's own fields, in the order they appear (for "focus the first error"). */
export type FieldName = 'template' | 'inventory' | 'extraVars' | 'limit' | 'runAt' | 'tags' | 'skipTags' | 'checkMode';
export const FIELDS: readonly FieldName[] = ['template', 'inventory', 'extraVars', 'limit', 'runAt', 'tags', 'skipTags', 'checkMode'];

/** What the user reads next to each field; the API's names (runAt, skipTags) are never shown. */
export const FIELD_LABELS: Record<FieldName, string> = {
  template: 'Template',
  inventory: 'Inventory',
  extraVars: 'Extra vars',
  limit: 'Limit',
  runAt: 'Start time',
  tags: 'Tags',
  skipTags: 'Skip tags',
  checkMode: 'Check mode',
};

/**
 * Where an error is shown: one of the form's fields, `extraVars.<name>` for a declared var's field,
 * `extraVars` for the free key/value rows (undeclared names), or `form` for what belongs to no field.
 */
export type ErrorKey = FieldName | `extraVars.${string}` | 'form';
export type FormErrors = Partial<Record<ErrorKey, string[]>>;

/** "extraVars.canary" → "canary"; "tags[2]" → undefined. */
function varNameOf(apiField: string): string | undefined {
  const match = /^extraVars\.([^.[]+)/.exec(apiField);
  return match?.[1];
}

export function errorKeyOf(apiField: string, declaredVars: readonly string[]): ErrorKey {
  const name = varNameOf(apiField);
  if (name !== undefined && declaredVars.includes(name)) return `extraVars.${name}`;
  const head = apiField.split(/[.[]/)[0] as FieldName;
  return FIELDS.includes(head) ? head : 'form';
}

/** The on-screen name of what an API field names: "runAt" → "Start time", "tags[2]" → "Tags, item 3", "extraVars.canary" → "canary". */
export function labelOf(apiField: string): string {
  const name = varNameOf(apiField);
  if (name !== undefined) return name;
  const item = /^(\w+)\[(\d+)\]$/.exec(apiField);
  if (item) {
    const label = FIELD_LABELS[item[1] as FieldName];
    if (label) return `${label}, item ${Number(item[2]) + 1},`;
  }
  return FIELD_LABELS[apiField as FieldName] ?? apiField;
}

/**
 * The API's message with its field name replaced by the label on screen: "runAt: is in the past" →
 * "Start time is in the past", "extraVars.canary: must be at most 100" → "canary must be at most 100".
 */
export function relabel(error: FieldError): string {
  const label = labelOf(error.field);
  if (label === error.field && varNameOf(error.field) === undefined) return error.message; // nothing on screen is called otherwise
  for (const prefix of [error.field, error.field.split(/[.[]/)[0]]) {
    if (prefix !== '' && error.message.startsWith(prefix)) {
      const rest = error.message.slice(prefix.length).replace(/^:\s*/, ' ').trimEnd();
      if (rest === '' || rest.startsWith(' ')) return `${label}${rest}`;
    }
  }
  return `${label}: ${error.message}`;
}

export function groupErrors(errors: FieldError[], declaredVars: readonly string[]): FormErrors {
  const grouped: FormErrors = {};
  for (const error of errors) (grouped[errorKeyOf(error.field, declaredVars)] ??= []).push(relabel(error));
  return grouped;
}

/** A 400 without a field list still names its field at the start of its message ("limit: ..."). */
export function fieldErrorFromMessage(message: string): FieldError {
  const field = /^([\w.[\]]+):/.exec(message)?.[1] ?? '';
  return { field, message };
}
