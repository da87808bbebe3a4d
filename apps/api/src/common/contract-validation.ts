import { Injectable, type PipeTransform } from '@nestjs/common';
import type { FieldError } from '@slipway/contracts';
import type { z } from 'zod';
import { badRequest } from './validation.js';

/** What zod says by default, in the words the API has always used (the contract's own messages win). */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') return issue.input === null ? `must be a ${issue.expected}, not null` : `must be a ${issue.expected}`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map((value) => String(value)).join(', ')}`;
  return undefined;
}

/**
 * `tags[1]` for a path ['tags', 1]. The field an entry is filed under is the top-level one until the
 * first array index (`tags`, `extraVars.canary`): what a form shows the error next to.
 */
function fieldOf(path: readonly PropertyKey[]): { field: string; where: string } {
  let field = '';
  let where = '';
  let inArray = false;
  for (const key of path) {
    const part = typeof key === 'number' ? `[${key}]` : where === '' ? String(key) : `.${String(key)}`;
    where += part;
    if (typeof key === 'number') inArray = true;
    if (!inArray) field = where;
  }
  return { field, where };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every issue of a failed parse as the 400's `errors`: each names its field first, as users write it. */
export function fieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      const { where } = fieldOf(issue.path);
      return issue.keys.map((key) => {
        const field = where === '' ? key : `${where}.${key}`;
        return { field, message: `${field}: unknown field` };
      });
    }
    const { field, where } = fieldOf(issue.path);
    const named = where === '' ? 'body' : where;
    // Some contract messages already start with their field (e.g. a query parameter's, "before: must be ...").
    const message = new RegExp(`^${escapeRegExp(named)}[: ]`).test(issue.message) ? issue.message : `${named}: ${issue.message}`;
    return [{ field: field === '' ? 'body' : field, message }];
  });
}

/**
 * A value checked against its contract schema, with the problems returned instead of thrown: for a
 * handler that adds its own checks and answers every problem in one 400 (e.g. `POST /releases`: the
 * request's fields and the catalog's rules for the template's vars).
 */
export function checkContract<S extends z.ZodType>(schema: S, input: unknown): { value: z.output<S>; errors: FieldError[] } {
  const result = schema.safeParse(input, { error: defaultMessage });
  // On failure the value is the input as given; the caller reads only fields that are not in errors.
  if (!result.success) return { value: input as z.output<S>, errors: fieldErrors(result.error.issues) };
  return { value: result.data, errors: [] };
}

/** The contract's parsed value, or the 400 naming every bad field. */
export function parseContract<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const { value, errors } = checkContract(schema, input);
  if (errors.length > 0) throw badRequest(errors);
  return value;
}

/** `@Query(contract(listReleasesQuery))`: a route parameter parsed with its contract schema. */
@Injectable()
class ContractPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    return parseContract(this.schema, value);
  }
}

export const contract = <S extends z.ZodType>(schema: S): PipeTransform<unknown, z.output<S>> => new ContractPipe(schema);
