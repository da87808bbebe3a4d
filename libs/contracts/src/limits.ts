/** Sizes the API refuses beyond (the catalog's argv rules in libs/ansible apply the same figures). */
/** One tag may be this long; `--tags=` joins them, and Linux refuses one argument over 128 KiB (E2BIG). */
export const MAX_TAG_LENGTH = 256;
export const MAX_TAGS = 100;
/** A ref may be this long (git itself has no limit; a branch name this long is a typo or an attack). */
export const MAX_GIT_REF_LENGTH = 255;
export const MAX_NAME_LENGTH = 128;
export const MAX_LIMIT_LENGTH = 1024;
/** A token name (what `requestedBy` and `actor` hold). */
export const MAX_TOKEN_NAME_LENGTH = 200;
