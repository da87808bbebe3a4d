import { z } from 'zod';
import { named } from './registry.js';

/** `GET /health/live`: the process answers. */
export const liveBody = named('LiveBody', z.strictObject({ status: z.literal('ok') }));
export type Live = z.infer<typeof liveBody>;

const dependency = () => z.string().meta({ example: 'up', description: '"up" or why not ("down: …")' });

/** `GET /health/ready` 200 and 503: whether the DB and Redis answer, and which one does not. */
export const readyBody = named(
  'ReadyBody',
  z.strictObject({
    status: z.enum(['ok', 'unavailable']),
    database: dependency(),
    redis: dependency(),
  }),
);
export type Ready = z.infer<typeof readyBody>;
