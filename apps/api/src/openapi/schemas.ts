import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, RELEASE_STATUSES } from '@slipway/db';

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
  // What ran (libs/releases what-ran.ts).
  @ApiProperty({
    type: [String],
    nullable: true,
    example: ['ansible-playbook', '-i', '/srv/playbooks/inventories/prod.ini', '-e', '@/tmp/slipway-runs/12/extra-vars.yml', '--tags=deploy', '/srv/playbooks/deploy.yml'],
    description: 'ansible-playbook argv as the worker ran it, executable first; extra vars and credentials travel in files, so it holds their paths, never their values. Null until ansible-playbook started',
  })
  argv!: string[] | null;
  @ApiProperty({ type: String, nullable: true, example: '2.14.18', description: "ansible-core's version (ansible-playbook --version) on the worker that ran it" })
  ansibleVersion!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    description: 'sha256 of the canonical JSON of the catalog entry (template, inventory, project) when the release was created; secret defaults excluded',
  })
  catalogDigest!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '3f9c1e0d4b5a69788796a5b4c3d2e1f0a9b8c7d6', description: 'Full commit id it runs (git projects)' })
  commitSha!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'main', description: 'The branch, tag or commit name the commit was resolved from' })
  ref!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "Link to the commit, from the catalog's project.commitUrl" })
  commitUrl!: string | null;
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
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { inFlight: { type: 'integer' }, state: { type: 'string', enum: ['active', 'draining', 'stopped'] } },
    },
    description: 'Per job kind (e.g. releases, pending-outcomes): jobs in flight here and the kind\'s state (absent from workers older than job kinds)',
    example: { releases: { inFlight: 1, state: 'active' }, 'pending-outcomes': { inFlight: 0, state: 'active' } },
  })
  kinds?: Record<string, { inFlight: number; state: string }>;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ format: 'date-time' }) heartbeatAt!: string;
}

export class AuditEntryBody {
  @ApiProperty() id!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ description: 'Token name' }) actor!: string;
  @ApiProperty({ enum: AUDIT_ACTIONS }) action!: string;
  @ApiProperty({ enum: AUDIT_TARGET_TYPES }) targetType!: string;
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

/** `POST /api/v1/catalog/reload` 200 (the CatalogReloadApplied contract type in libs/ansible). */
export class CatalogReloadAppliedBody {
  @ApiProperty({ enum: ['applied'] }) result!: string;
  @ApiProperty({ example: '/etc/slipway/catalog.yml' }) file!: string;
  @ApiProperty({ format: 'date-time', description: 'When the catalog now in force was loaded' }) loadedAt!: string;
  @ApiProperty({ type: [String], description: 'Every template now in force' }) templates!: string[];
  @ApiProperty({ type: [String] }) added!: string[];
  @ApiProperty({ type: [String] }) removed!: string[];
  @ApiProperty({ type: [String], description: 'Templates whose entry (playbook, vars, inventories, their paths, …) changed' }) changed!: string[];
  @ApiProperty({ type: Number, nullable: true, description: 'Workers listening when the reload was announced; null if Redis did not take it' })
  workersNotified!: number | null;
  @ApiPropertyOptional({ description: 'Why the workers were not told' }) workersProblem?: string;
}

/** `POST /api/v1/catalog/reload` 422 (the CatalogReloadRefused contract type in libs/ansible). */
export class CatalogReloadRefusedBody extends ErrorBody {
  @ApiProperty({ enum: ['refused'] }) result!: string;
  @ApiProperty({ example: '/etc/slipway/catalog.yml' }) file!: string;
  @ApiProperty({ format: 'date-time', description: 'When the catalog still in force was loaded' }) loadedAt!: string;
  @ApiProperty({ type: [String], example: ['templates.deploy-web.playbook: file not found: deploy.yml'], description: 'Every problem, one entry each' })
  problems!: string[];
  @ApiProperty({ type: [FieldError], description: 'The same problems with the catalog path each is about' }) errors!: FieldError[];
}
