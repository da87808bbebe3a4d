import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUDIT_ACTIONS, RELEASE_STATUSES } from '@slipway/db';

/*
 * The shapes the API answers with, for the OpenAPI description only (the controllers build the objects;
 * test/e2e/openapi.e2e-spec.ts checks that real answers carry exactly these fields).
 */

/** Every error: HttpErrorsFilter's one shape. */
export class ErrorBody {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: 'Bad Request' }) error!: string;
  @ApiProperty({ example: 'template: unknown template "nope"', description: 'What is wrong, naming the field' }) message!: string;
}

export class FieldError {
  @ApiProperty({ example: 'extraVars.canary' }) field!: string;
  @ApiProperty({ example: 'canary: must be at most 100' }) message!: string;
}

/** A 400 from validation: every bad field at once. */
export class ValidationErrorBody extends ErrorBody {
  @ApiPropertyOptional({ type: [FieldError], description: 'One entry per bad field (validation errors only)' }) errors?: FieldError[];
}

export class HostRecap {
  @ApiProperty() ok!: number;
  @ApiProperty() changed!: number;
  @ApiProperty() unreachable!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() skipped!: number;
  @ApiProperty() rescued!: number;
  @ApiProperty() ignored!: number;
}

export class ReleaseBody {
  @ApiProperty({ example: 12 }) id!: number;
  @ApiProperty({ example: 'hello' }) template!: string;
  @ApiProperty({ example: 'local' }) inventory!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Secret vars are shown as ********' }) extraVars!: Record<string, unknown>;
  @ApiProperty({ type: [String], description: 'Names of its secret vars, recorded when it was created (masked in every view of it)' }) secretVars!: string[];
  @ApiProperty({ type: String, nullable: true }) limit!: string | null;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ type: [String] }) skipTags!: string[];
  @ApiProperty() checkMode!: boolean;
  @ApiProperty({ example: 'hello:local' }) lockKey!: string;
  @ApiProperty({ enum: RELEASE_STATUSES }) status!: string;
  @ApiProperty({ type: Number, nullable: true, description: "ansible-playbook's exit code" }) exitCode!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it failed, was cancelled or interrupted' }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why a queued release has not started (e.g. a lock)' }) waitingReason!: string | null;
  @ApiProperty({ type: String, nullable: true }) workerId!: string | null;
  @ApiProperty({ description: 'Name of the token that created it' }) requestedBy!: string;
  @ApiProperty({ type: Number, nullable: true }) rerunOf!: number | null;
  @ApiProperty({ type: String, nullable: true }) cancelRequestedBy!: string | null;
  @ApiProperty({ description: 'Lines stored so far' }) logLines!: number;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: { $ref: '#/components/schemas/HostRecap' }, description: 'PLAY RECAP per host' })
  recap!: Record<string, HostRecap> | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) runAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) durationMs!: number | null;
}

/** What every newest-first list answers besides its items (keyset pagination, libs/db keyset.ts). */
class KeysetPageFields {
  @ApiProperty({ description: 'Whether there are older entries than the last of this page' }) more!: boolean;
  @ApiProperty({ type: Number, nullable: true, description: 'Pass as `before` for the next older page; null when there is none' })
  nextBefore!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Pass as `after` for the next newer page; null when this page starts with the newest' })
  prevAfter!: number | null;
}

export class ReleasePage extends KeysetPageFields {
  @ApiProperty({ type: [ReleaseBody] }) items!: ReleaseBody[];
}

export class LockWaitBody {
  @ApiProperty() id!: number;
  @ApiProperty() template!: string;
  @ApiProperty() inventory!: string;
  @ApiProperty() lockKey!: string;
  @ApiProperty({ type: String, nullable: true }) waitingReason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class QueueSummaryBody {
  @ApiProperty() waiting!: number;
  @ApiProperty() running!: number;
  @ApiProperty() scheduled!: number;
  @ApiProperty({ type: [LockWaitBody] }) lockWaits!: LockWaitBody[];
}

export class WorkerBody {
  @ApiProperty({ example: 'host:1234' }) id!: string;
  @ApiProperty() host!: string;
  @ApiProperty() pid!: number;
  @ApiProperty() version!: string;
  @ApiProperty() concurrency!: number;
  @ApiProperty({ enum: ['active', 'draining'] }) state!: string;
  @ApiProperty({ type: [Number], description: 'Ids of the releases in flight' }) releases!: number[];
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ format: 'date-time' }) heartbeatAt!: string;
}

export class AuditEntryBody {
  @ApiProperty() id!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ description: 'Token name' }) actor!: string;
  @ApiProperty({ enum: AUDIT_ACTIONS }) action!: string;
  @ApiProperty({ enum: ['release', 'token'] }) targetType!: string;
  @ApiProperty() targetId!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
}

export class AuditPage extends KeysetPageFields {
  @ApiProperty({ type: [AuditEntryBody] }) items!: AuditEntryBody[];
}

export class TokenBody {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['viewer', 'deployer', 'admin'] }) role!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) revokedBy!: string | null;
}

export class CreatedTokenBody extends TokenBody {
  @ApiProperty({ example: 'slw_…', description: 'The token itself: shown this once, stored only as a hash' }) token!: string;
}

export class PrincipalBody {
  @ApiProperty({ description: 'Token name' }) name!: string;
  @ApiProperty({ enum: ['viewer', 'deployer', 'admin'] }) role!: string;
}

export class LiveBody {
  @ApiProperty({ example: 'ok' }) status!: string;
}

export class ReadyBody {
  @ApiProperty({ enum: ['ok', 'unavailable'] }) status!: string;
  @ApiProperty({ example: 'up', description: '"up" or why not' }) database!: string;
  @ApiProperty({ example: 'up', description: '"up" or why not' }) redis!: string;
}
