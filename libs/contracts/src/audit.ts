import { z } from 'zod';
import { isoTime, keysetPage } from './common.js';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES } from './enums.js';
import { NOT_BOTH_CURSORS, notBothCursors, pageQueryFields, queryInt } from './page-query.js';
import { named } from './registry.js';

/** One entry of the audit trail (libs/db AuditEntryEntity as selected: its request id never leaves the DB). */
export const auditEntryBody = named(
  'AuditEntryBody',
  z.strictObject({
    id: z.number().int(),
    at: isoTime,
    actor: z.string().meta({ description: 'Token name' }),
    action: z.enum(AUDIT_ACTIONS),
    targetType: z.enum(AUDIT_TARGET_TYPES),
    targetId: z.number().int(),
    details: z.record(z.string(), z.unknown()),
  }),
);
export type AuditEntry = z.infer<typeof auditEntryBody>;

export const auditPage = named('AuditPage', keysetPage(auditEntryBody));
export type AuditPage = z.infer<typeof auditPage>;

/** `GET /api/v1/audit` query: a page of the trail, optionally of one actor, action or target. */
export const auditQuery = named(
  'AuditQuery',
  z
    .strictObject({
      ...pageQueryFields,
      actor: z.string().max(200).optional().meta({ description: 'Token name that did it' }),
      action: z.enum(AUDIT_ACTIONS).optional(),
      targetType: z.enum(AUDIT_TARGET_TYPES).optional(),
      targetId: queryInt('targetId: must be a whole number').optional(),
    })
    .refine(notBothCursors, NOT_BOTH_CURSORS),
);
export type AuditQuery = z.infer<typeof auditQuery>;
