import { z } from 'zod';
import { ROLES } from './enums.js';
import { named } from './registry.js';

/** Who a token or session is (`POST`/`GET /api/v1/session`). */
export const principalBody = named(
  'PrincipalBody',
  z.strictObject({
    name: z.string().meta({ description: 'Token name' }),
    role: z.enum(ROLES),
  }),
);
export type Session = z.infer<typeof principalBody>;

/** `POST /api/v1/session` body: a token, exchanged for an HttpOnly session cookie. */
export const signInRequest = named(
  'SignInRequest',
  z.strictObject({
    token: z
      .string({ message: 'token must be a string' })
      .min(1, { message: 'token should not be empty' })
      .max(512, { message: 'token must be shorter than or equal to 512 characters' })
      .meta({ description: 'An API token; it is exchanged for an HttpOnly session cookie and never stored by the browser' }),
  }),
);
export type SignInRequest = z.infer<typeof signInRequest>;
