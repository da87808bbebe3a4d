import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  type HostRecapCounts,
  ReleaseEntity,
  ReleaseLogChunkEntity,
  type ReleaseStatus,
  UnitOfWork,
} from '@slipway/db';

export interface NewRelease {
  template: string;
  inventory: string;
  extraVars: Record<string, unknown>;
  limit: string | null;
  tags: string[] | null;
  skipTags: string[] | null;
  checkMode: boolean;
  lockKey: string;
  requestedBy: string;
  runAt: Date | null;
  rerunOf: number | null;
}

export interface FinalOutcome {
  status: Extract<ReleaseStatus, 'succeeded' | 'failed' | 'cancelled' | 'interrupted'>;
  exitCode: number | null;
  reason: string | null;
  recap: Record<string, HostRecapCounts> | null;
  finishedAt: Date;
}

export interface ReleaseListQuery {
  status?: ReleaseStatus;
  template?: string;
  page: number;
  pageSize: number;
}

export interface LogLine {
  seq: number;
  text: string;
}

/**
 * Every read and write of releases and their logs. Each method is one unit of work run through
 * UnitOfWork (retried whole on a lost connection); writes are conditional or keyed so a retry is harmless.
 */
@Injectable()
export class ReleaseStore {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Inserts the release. With `idempotencyKeyId`, the claimed key gets the release id in the same
   * transaction: an API that dies right after the insert leaves the key pointing at its release (a retry
   * replays it) rather than an empty claim a retry would take over with a second release.
   */
  create(input: NewRelease, idempotencyKeyId?: number): Promise<ReleaseEntity> {
    return this.uow.run('create release', (ds) =>
      ds.transaction(async (em: EntityManager) => {
        const repository = em.getRepository(ReleaseEntity);
        const release = await repository.save(repository.create({ ...input, status: 'queued', createdAt: new Date(), logLines: 0 }));
        if (idempotencyKeyId !== undefined) {
          await em.query('UPDATE idempotency_keys SET release_id = ? WHERE id = ?', [release.id, idempotencyKeyId]);
        }
        return release;
      }),
    );
  }

  /** Compensation when the job could not be queued: the release must not exist without its job. */
  async deleteQueued(id: number): Promise<void> {
    await this.uow.run('delete unqueued release', (ds) =>
      ds.getRepository(ReleaseEntity).delete({ id, status: 'queued' }),
    );
  }

  findById(id: number): Promise<ReleaseEntity | null> {
    return this.uow.run('read release', (ds) => ds.getRepository(ReleaseEntity).findOneBy({ id }));
  }

  list(query: ReleaseListQuery): Promise<{ items: ReleaseEntity[]; total: number }> {
    return this.uow.run('list releases', async (ds) => {
      const where: Partial<Pick<ReleaseEntity, 'status' | 'template'>> = {};
      if (query.status) where.status = query.status;
      if (query.template) where.template = query.template;
      const [items, total] = await ds.getRepository(ReleaseEntity).findAndCount({
        where,
        order: { id: 'DESC' },
        skip: (query.page - 1) * query.pageSize,
        take: query.pageSize,
      });
      return { items, total };
    });
  }

  /**
   * queued → running, only if no earlier release with the same lock key is still queued (and due) or
   * running. Earlier releases only ever move to final states, so this single statement cannot let two
   * releases of one lock key run at once, whichever workers try.
   */
  async tryStart(release: Pick<ReleaseEntity, 'id' | 'lockKey'>, workerId: string): Promise<boolean> {
    const now = new Date();
    const result = await this.uow.run('mark release running', (ds) =>
      ds.query(
        `UPDATE releases SET status = 'running', worker_id = ?, started_at = ?, waiting_reason = NULL
          WHERE id = ? AND status = 'queued' AND cancel_requested_by IS NULL
            AND NOT EXISTS (SELECT 1 FROM (
              SELECT id FROM releases
               WHERE lock_key = ? AND id < ? AND status IN ('queued', 'running')
                 AND (run_at IS NULL OR run_at <= ?)) AS earlier)`,
        [workerId, now, release.id, release.lockKey, release.id, now],
      ),
    );
    return affectedRows(result) === 1;
  }

  /** The earliest release holding or ahead in the lock, for "waiting for release N". */
  findBlocker(release: Pick<ReleaseEntity, 'id' | 'lockKey'>): Promise<number | null> {
    return this.uow.run('find lock holder', async (ds) => {
      const rows: { id: number }[] = await ds.query(
        `SELECT id FROM releases WHERE lock_key = ? AND id < ? AND status IN ('queued', 'running')
           AND (run_at IS NULL OR run_at <= ?) ORDER BY (status = 'running') DESC, id LIMIT 1`,
        [release.lockKey, release.id, new Date()],
      );
      return rows[0] ? Number(rows[0].id) : null;
    });
  }

  async setWaitingReason(id: number, reason: string | null): Promise<void> {
    await this.uow.run('set waiting reason', (ds) =>
      ds.query(`UPDATE releases SET waiting_reason = ? WHERE id = ? AND status = 'queued'`, [reason, id]),
    );
  }

  /** Stores lines firstSeq..; a retried chunk hits the primary key and is ignored. */
  async appendLog(releaseId: number, firstSeq: number, lines: string[]): Promise<void> {
    const lastSeq = firstSeq + lines.length - 1;
    await this.uow.run('append log', (ds) =>
      ds.transaction(async (em: EntityManager) => {
        await em.query(
          'INSERT IGNORE INTO release_log_chunks (release_id, first_seq, last_seq, content) VALUES (?, ?, ?, ?)',
          [releaseId, firstSeq, lastSeq, lines.join('\n')],
        );
        await em.query('UPDATE releases SET log_lines = GREATEST(log_lines, ?) WHERE id = ?', [lastSeq, releaseId]);
      }),
    );
  }

  /** Lines with seq > after, in order, at most `max` of them. */
  readLog(releaseId: number, after: number, max = 100_000): Promise<LogLine[]> {
    return this.uow.run('read log', async (ds) => {
      const chunks = await ds
        .getRepository(ReleaseLogChunkEntity)
        .createQueryBuilder('c')
        .where('c.release_id = :releaseId AND c.last_seq > :after', { releaseId, after })
        .orderBy('c.first_seq', 'ASC')
        .limit(Math.max(1, Math.ceil(max / 50)) + 1)
        .getMany();
      const lines: LogLine[] = [];
      for (const chunk of chunks) {
        const texts = chunk.content.split('\n');
        for (let i = 0; i < texts.length && lines.length < max; i++) {
          const seq = chunk.firstSeq + i;
          if (seq > after) lines.push({ seq, text: texts[i] ?? '' });
        }
        if (lines.length >= max) break;
      }
      return lines;
    });
  }

  /** running → final, only for the worker that runs it; returns false if it was already final. */
  async finish(id: number, workerId: string, outcome: FinalOutcome): Promise<boolean> {
    const result = await this.uow.run(`final status ${outcome.status}`, (ds) =>
      ds.query(
        `UPDATE releases SET status = ?, exit_code = ?, reason = ?, recap = ?, finished_at = ?, waiting_reason = NULL
          WHERE id = ? AND status = 'running' AND worker_id = ?`,
        [
          outcome.status,
          outcome.exitCode,
          outcome.reason,
          outcome.recap ? JSON.stringify(outcome.recap) : null,
          outcome.finishedAt,
          id,
          workerId,
        ],
      ),
    );
    return affectedRows(result) === 1;
  }

  /** queued → cancelled at once; returns false if it had already left `queued`. */
  async cancelQueued(id: number, by: string): Promise<boolean> {
    const result = await this.uow.run('cancel queued release', (ds) =>
      ds.query(
        `UPDATE releases SET status = 'cancelled', cancel_requested_by = ?, reason = ?, finished_at = ?, waiting_reason = NULL
          WHERE id = ? AND status = 'queued'`,
        [by, `cancelled by ${by} before it started`, new Date(), id],
      ),
    );
    return affectedRows(result) === 1;
  }

  /** Marks a running release for cancellation; the worker running it does the rest. */
  async requestCancel(id: number, by: string): Promise<boolean> {
    const result = await this.uow.run('request cancel', (ds) =>
      ds.query(`UPDATE releases SET cancel_requested_by = ? WHERE id = ? AND status = 'running'`, [by, id]),
    );
    return affectedRows(result) === 1;
  }

  /** running → interrupted for releases whose worker is gone; conditional on that worker still owning it. */
  async interrupt(id: number, workerId: string, reason: string): Promise<boolean> {
    const result = await this.uow.run('interrupt release', (ds) =>
      ds.query(
        `UPDATE releases SET status = 'interrupted', reason = ?, finished_at = ?, waiting_reason = NULL
          WHERE id = ? AND status = 'running' AND worker_id = ?`,
        [reason, new Date(), id, workerId],
      ),
    );
    return affectedRows(result) === 1;
  }

  /** Running releases with their worker, for the reaper. */
  listRunning(): Promise<{ id: number; workerId: string | null }[]> {
    return this.uow.run('list running releases', async (ds) => {
      const rows: { id: number; worker_id: string | null }[] = await ds.query(
        `SELECT id, worker_id FROM releases WHERE status = 'running'`,
      );
      return rows.map((r) => ({ id: Number(r.id), workerId: r.worker_id }));
    });
  }

  /** Queued releases older than `olderThan`, for the reconciler that re-adds lost jobs. */
  listQueuedBefore(olderThan: Date): Promise<{ id: number; runAt: Date | null }[]> {
    return this.uow.run('list queued releases', async (ds) => {
      const rows: { id: number; run_at: Date | null }[] = await ds.query(
        `SELECT id, run_at FROM releases WHERE status = 'queued' AND created_at < ? ORDER BY id LIMIT 1000`,
        [olderThan],
      );
      return rows.map((r) => ({ id: Number(r.id), runAt: r.run_at }));
    });
  }

  /** The next queued release of a lock key after `id`, so a finishing worker can wake it at once. */
  findNextInLock(lockKey: string, afterId: number): Promise<number | null> {
    return this.uow.run('find next in lock', async (ds) => {
      const rows: { id: number }[] = await ds.query(
        `SELECT id FROM releases WHERE lock_key = ? AND id > ? AND status = 'queued' ORDER BY id LIMIT 1`,
        [lockKey, afterId],
      );
      return rows[0] ? Number(rows[0].id) : null;
    });
  }

  get dataSource(): DataSource {
    return this.uow.dataSource;
  }
}

function affectedRows(result: unknown): number {
  if (result && typeof result === 'object' && 'affectedRows' in result) {
    return Number((result).affectedRows);
  }
  // TypeORM returns [rows, affected] for some drivers.
  if (Array.isArray(result) && typeof result[1] === 'number') return result[1];
  return 0;
}
