import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CatalogHolder, describeReload, problemField } from '@slipway/ansible';
import type { CatalogReloadApplied, CatalogReloadRefused } from '@slipway/contracts';
import type { CatalogReloadNotice } from '@slipway/queue';
import { ApprovalStore, ScheduleCatalogCheck, approversProblem } from '@slipway/releases';
import { AuditService } from '../audit/audit.service.js';
import { ApiRedis } from '../redis/api-redis.js';

/** There is one catalog: its audit entries name target id 0. */
const CATALOG_TARGET = { type: 'catalog', id: 0 } as const;

/**
 * A catalog reload asked of the API (the admin route or SIGHUP): the API re-reads and validates its file;
 * if all of it is valid it swaps it in and tells the workers, which re-read their own copies (see the
 * worker's CatalogWatch); if anything is wrong nothing changes anywhere, and every problem is answered,
 * logged and audited.
 */
@Injectable()
export class CatalogReloadService implements OnModuleInit {
  private readonly logger = new Logger('Catalog');

  constructor(
    private readonly catalogs: CatalogHolder,
    private readonly redis: ApiRedis,
    private readonly audit: AuditService,
    private readonly schedules: ScheduleCatalogCheck,
    private readonly approvals: ApprovalStore,
  ) {}

  /**
   * A catalog whose template needs more approvers than there are people who could approve is refused
   * (400 naming templates.NAME.approval.approvers), whoever reloads it (the route or SIGHUP).
   */
  onModuleInit(): void {
    this.catalogs.addCheck(async (next) => {
      const withApproval = Object.values(next.templates).filter((t) => t.approval);
      if (withApproval.length === 0) return [];
      const possible = await this.approvals.possibleApprovers();
      return withApproval.flatMap((t) => approversProblem(t.name, t.approval!, possible)?.message ?? []);
    });
  }

  async reload(actor: string, trigger: string): Promise<CatalogReloadApplied | CatalogReloadRefused> {
    const outcome = await this.catalogs.reload();
    const msg = describeReload(outcome, `${trigger} by ${actor}`);
    if (!outcome.applied) {
      this.logger.warn({ msg, problems: outcome.problems });
      await this.audit.record(actor, 'catalog.reload', CATALOG_TARGET, { result: 'refused', trigger, file: outcome.file, problems: outcome.problems });
      return {
        statusCode: outcome.refusedByCheck ? 400 : 422,
        error: outcome.refusedByCheck ? 'Bad Request' : 'Unprocessable Entity',
        message: `catalog ${outcome.file} has ${outcome.problems.length} problem${outcome.problems.length === 1 ? '' : 's'}; the catalog in force is unchanged: ${outcome.problems.join('; ')}`,
        result: 'refused',
        file: outcome.file,
        loadedAt: outcome.loadedAt.toISOString(),
        problems: outcome.problems,
        errors: outcome.problems.map((message) => ({ field: problemField(message), message })),
      };
    }
    const workers = await this.notifyWorkers(actor);
    const schedulesPaused = await this.schedules.pauseInvalid(`catalog reload (${trigger} by ${actor})`).catch((error: Error) => {
      this.logger.error(`schedules not checked against the new catalog: ${error.message}; their next tick checks them`);
      return [];
    });
    this.logger.log({ msg, changes: outcome.changes, workersNotified: workers.workersNotified });
    if (workers.workersProblem) this.logger.warn(`catalog reload not announced to the workers: ${workers.workersProblem}`);
    await this.audit.record(actor, 'catalog.reload', CATALOG_TARGET, { result: 'applied', trigger, file: outcome.file, ...outcome.changes, workersNotified: workers.workersNotified, schedulesPaused });
    return {
      result: 'applied',
      file: outcome.file,
      loadedAt: outcome.loadedAt.toISOString(),
      templates: outcome.templates,
      ...outcome.changes,
      ...workers,
    };
  }

  /**
   * One more catalog generation in Redis, then the announcement. A worker that misses the message (or
   * handles it late) still compares the generation before its next release and reloads first.
   */
  private async notifyWorkers(by: string): Promise<Pick<CatalogReloadApplied, 'workersNotified' | 'workersProblem'>> {
    let generation: number;
    try {
      generation = await this.redis.client.incr(this.redis.keys.catalogGeneration);
    } catch (error) {
      return {
        workersNotified: null,
        workersProblem: `Redis did not answer (${(error as Error).message}): the workers keep their catalog until the next reload, or reload each one with SIGHUP`,
      };
    }
    const notice: CatalogReloadNotice = { generation, by };
    try {
      return { workersNotified: await this.redis.client.publish(this.redis.keys.catalogReloadChannel, JSON.stringify(notice)) };
    } catch (error) {
      return {
        workersNotified: null,
        workersProblem: `the announcement was not sent (${(error as Error).message}): each worker reloads before its next release`,
      };
    }
  }
}
