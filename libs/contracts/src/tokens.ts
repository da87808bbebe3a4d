import { z } from 'zod';
import { isoTime } from './common.js';
import { ROLES } from './enums.js';
import { named } from './registry.js';

/** A token as listed (apps/api tokens.controller.ts toTokenView): never its value or hash. */
export const tokenBody = named(
  'TokenBody',
  z.strictObject({
    id: z.number().int().meta({ example: 3 }),
    name: z.string().meta({ example: 'ci' }),
    role: z.enum(ROLES),
    createdAt: isoTime,
    createdBy: z.string().meta({ example: 'bootstrap' }),
    revokedAt: isoTime.nullable(),
    revokedBy: z.string().nullable(),
  }),
);
export type ApiToken = z.infer<typeof tokenBody>;

/** `POST /api/v1/tokens` 201: the token as listed plus its value, shown this once. */
export const createdTokenBody = named(
  'CreatedTokenBody',
  z.strictObject({
    ...tokenBody.shape,
    token: z.string().meta({ example: 'slw_…', description: 'The token itself: shown this once, stored only as a hash' }),
  }),
);
export type CreatedToken = z.infer<typeof createdTokenBody>;

export const tokenList = named('TokenList', z.array(tokenBody), 'All tokens, revoked ones included');

/** What a token name may be: it is shown as requestedBy and in the audit trail. */
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/;

/** `POST /api/v1/tokens` body. */
export const createTokenRequest = named(
  'CreateTokenRequest',
  z.strictObject({
    name: z
      .string({ message: 'name must be a string' })
      .regex(TOKEN_NAME, { message: 'name must be 1-100 letters, digits, "_", ".", "@" or "-", starting with a letter or digit' })
      .meta({ example: 'ci', description: 'Recorded as requestedBy and in the audit trail; unique among live tokens' }),
    role: z.enum(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` }).meta({
      description: 'viewer reads; deployer also creates, cancels and re-runs; admin also manages tokens',
    }),
  }),
);
export type CreateTokenRequest = z.infer<typeof createTokenRequest>;
