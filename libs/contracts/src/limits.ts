/** Sizes the API refuses beyond (the catalog's argv rules in libs/ansible apply the same figures). */
export const MAX_TAG_LENGTH = 256;
export const MAX_TAGS = 100;
export const MAX_GIT_REF_LENGTH = 255;
export const MAX_NAME_LENGTH = 128;
export const MAX_LIMIT_LENGTH = 1024;
/** A token name (what `requestedBy` and `actor` hold). */
export const MAX_TOKEN_NAME_LENGTH = 200;
