import { ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * Like class-validator's IsOptional, but only an absent field is skipped: IsOptional also lets `null` through,
 * and `tags: null` then reached the launch as a null and answered 500 (issue 20, item 3).
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/** In a `u` regex a surrogate pair is one code point, so only a lone surrogate matches (String#isWellFormed is ES2024). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * A string of whole Unicode characters: a lone surrogate ("a\ud800") cannot be written as UTF-8 to the DB,
 * a file or ansible's argv, so it is a 400 here rather than a 500 (or an ansible exit) later.
 */
export function IsWellFormedText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWellFormedText',
      validator: {
        validate: (value) => typeof value !== 'string' || !LONE_SURROGATE.test(value),
        defaultMessage: (args) => `${args?.property ?? 'value'}: contains a lone surrogate (not a whole Unicode character)`,
      },
    },
    options,
  );
}
