import type { FieldError } from '../api/types';

export type FieldName = 'template' | 'inventory' | 'extraVars' | 'limit' | 'tags' | 'skipTags' | 'checkMode' | 'runAt';
export const FIELDS: readonly FieldName[] = ['template', 'inventory', 'extraVars', 'limit', 'tags', 'skipTags', 'checkMode', 'runAt'];
/** Messages per form field; `form` holds what belongs to no field. */
export type FormErrors = Partial<Record<FieldName | 'form', string[]>>;

/** The API names fields like "tags[1]" or "extraVars.x": they are shown at the form field they belong to. */
export function fieldOf(apiField: string): FieldName | 'form' {
  const head = apiField.split(/[.[]/)[0] as FieldName;
  return FIELDS.includes(head) ? head : 'form';
}

export function groupErrors(errors: FieldError[]): FormErrors {
  const grouped: FormErrors = {};
  for (const error of errors) (grouped[fieldOf(error.field)] ??= []).push(error.message);
  return grouped;
}
