import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { WebhookEventType } from '@slipway/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import {
  type HostRecapCounts,
  type KeysetPage,
  type KeysetQuery,
  keysetPage,
  ReleaseEntity,
  type ReleaseStatus,
  type FreezeOverrideRecord,
  UnitOfWork,
} from '@slipway/db';
import { blocks, isStartable, lockOrder } from './lock-order.js';
import { releaseCounters } from './release-counters.js';
import { finalEventType, writeReleaseEvent } from './webhooks/webhook-outbox.js';

export interface NewRelease {
  template: string;
  inventory: string;
  /** Secret vars only as "********" (see splitSecretVars). */
  extraVars: Record<string, unknown>;
  secretVars: string[];
  /** Encrypted with encryptSecretValues, or null. */
  secretValues: string | null;
  limit: string | null;
  tags: string[] | null;
  skipTags: string[] | null;
  checkMode: boolean;
  lockKey: string;
  requestedBy: string;
  runAt: Date | null;
  rerunOf: number | null;
  /** `catalogDigest` of the template and inventory it is created from. */
  catalogDigest: string;
  /** Git projects: the pinned commit and the ref it was resolved from (absent or null otherwise). */
  commitSha?: string | null;
  gitRef?: string | null;
  /** The freeze window overridden to launch it (an admin's written reason), if any. */
  freezeOverride?: FreezeOverrideRecord | null;
}

/** What the worker records once it has started ansible-playbook (see what-ran.ts). */
export interface RecordedRun {
  /** Already masked: never a secret value. */
  argv: string[];
  ansibleVersion: string | null;
}

export interface FinalOutcome {
  status: Extract<ReleaseStatus, 'succeeded' | 'failed' | 'cancelled' | 'interrupted'>;
  exitCode: number | null;
  reason: string | null;
  recap: Record<string, HostRecapCounts> | null;
  finishedAt: Date;
}

export interface ReleaseListQuery extends KeysetQuery {
  status?: ReleaseStatus;
  template?: string;
  /** Token name that created the release, exactly. */
  requestedBy?: string;
  /** Created at or after this instant. */
  createdFrom?: Date;
  /** Created before this instant (exclusive, so "to the end of a day" is the next day's start). */
  createdTo?: Date;
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
   * The request id is made once, before the first attempt: an attempt whose COMMIT went through but whose
   * reply was lost is retried, finds the row with its request id, and returns it instead of inserting again.
   * `alongside` writes more rows that belong to the new release (its audit entry) in the same transaction:
   * they are committed with it or not at all, and a retry that finds the release finds them too.
   */
  create(input: NewRelease, idempotencyKeyId?: number, alongside?: (em: EntityManager, release: ReleaseEntity) => Promise<void>): Promise<ReleaseEntity> {
    const requestId = randomUUID();
    let attempt = 0;
    return this.uow.run('create release', (ds) =>
      ds.transaction(async (em: EntityManager) => {
        // Only a retry can find its row: the first attempt skips that read.
        let release = ++attempt > 1 ? await em.getRepository(ReleaseEntity).findOneBy({ requestId }) : null;
        if (!release) {
          release = await insertRelease(em, input, requestId);
          await releaseCounters.created(em, release.template);
          await writeReleaseEvent(em, release.id, 'release.queued');
          if (alongside) await alongside(em, release);
        }
        if (idempotencyKeyId !== undefined) {
          await em.query('UPDATE idempotency_keys SET release_id = ? WHERE id = ?', [release.id, idempotencyKeyId]);
        }
        return release;
      }),
    );
  }

  /**
   * Compensation when the job could not be queued: the release must not exist without its job. `alongside`
   * removes, in the same transaction, what create() wrote alongside it.
   */
  async deleteQueued(id: number, alongside?: (em: EntityManager) => Promise<void>): Promise<void> {
    await this.uow.run('delete unqueued release', (ds) =>
      ds.transaction(async (em: EntityManager) => {
        if (affectedRows(await em.query(`DELETE FROM releases WHERE id = ? AND status = 'queued'`, [id])) !== 1) return;
        // Its "queued" event reported a release that never was: unsent, it is not sent.
        await em.query(`DELETE FROM webhook_deliveries WHERE release_id = ? AND event_type = 'release.queued' AND state = 'pending' AND attempts = 0`, [id]);
        if (alongside) await alongside(em);
      }),
    );
  }

  findById(id: number): Promise<ReleaseEntity | null> {
    return this.uow.run('read release', (ds) => ds.getRepository(ReleaseEntity).findOneBy({ id }));
  }

  /**
   * One page, newest first by (created_at, id): a keyset read on the index of the filter used (see the
   * history-scale migration), so its cost does not grow with the history. A cursor whose release is gone
   * (retention) pages from the nearest release to it by id instead.
   */
  list(query: ReleaseListQuery): Promise<KeysetPage<ReleaseEntity>> {
    return this.uow.run('list releases', async (ds) => {
      const qb = ds.getRepository(ReleaseEntity).createQueryBuilder('r');
      if (query.status) qb.andWhere('r.status = :status', { status: query.status });
      if (query.template) qb.andWhere('r.template = :template', { template: query.template });
      if (query.requestedBy) qb.andWhere('r.requestedBy = :requestedBy', { requestedBy: query.requestedBy });
      if (query.createdFrom) qb.andWhere('r.createdAt >= :createdFrom', { createdFrom: query.createdFrom });
      if (query.createdTo) qb.andWhere('r.createdAt < :createdTo', { createdTo: query.createdTo });
      const older = query.after === undefined;
      const cursorId = query.after ?? query.before;
      if (cursorId !== undefined) {
        const cursorAt = await cursorCreatedAt(ds, cursorId, older);
        if (cursorAt === null) return keysetPage([], query);
        const op = older ? '<' : '>';
        qb.andWhere(`(r.createdAt ${op} :cursorAt OR (r.createdAt = :cursorAt AND r.id ${op} :cursorId))`, { cursorAt, cursorId });
      }
      const direction = older ? 'DESC' : 'ASC';
      const rows = await qb.orderBy('r.createdAt', direction).addOrderBy('r.id', direction).limit(query.limit + 1).getMany();
      return keysetPage(rows, query);
    });
  }

  /**
   * queued → running, only if the lock predicate (lock-order.ts) lets it start now. One transaction:
   * the queued and running rows of the lock key are locked first (SELECT … FOR UPDATE), so two workers
   * starting two releases of one key at the same moment take turns, and the second sees the first one
   * running. Each call has a start id, made before the first attempt: a retry after a lost reply finds
   * the release running with that id and answers true; any other call (another worker, or this worker
   * handed the same job twice) finds it running with another id and answers false.
   */
  async tryStart(release: Pick<ReleaseEntity, 'id' | 'lockKey'>, workerId: string): Promise<boolean> {
    const startId = randomUUID();
    return this.uow.run('mark release running', (ds) =>
      // READ COMMITTED: the FOR UPDATE below then locks the key's queued and running rows only, not the
      // gaps beside them in idx_releases_lock, where every other key's INSERT and status change would queue
      // (under load, a POST waited seconds). Two starts of one key still lock the same rows, so they run
      // one after the other, and the second reads the first's commit.
      ds.transaction('READ COMMITTED', async (em: EntityManager) => {
        const now = new Date();
        await em.query(`SELECT id FROM releases WHERE lock_key = ? AND status IN ('queued', 'running') FOR UPDATE`, [release.lockKey]);
        const rows: { status: string; start_id: string | null; startable: number | string }[] = await em.query(
          `SELECT c.status, c.start_id,
                  (${isStartable('c')} AND NOT EXISTS (SELECT 1 FROM releases o WHERE ${blocks('o', 'c')})) AS startable
             FROM releases c WHERE c.id = ?`,
          [now, now, release.id],
        );
        const row = rows[0];
        if (!row) return false;
        if (row.status === 'running') return row.start_id === startId;
        if (Number(row.startable) !== 1) return false;
        const result = await em.query(
          `UPDATE releases SET status = 'running', worker_id = ?, start_id = ?, started_at = ?, waiting_reason = NULL
            WHERE id = ? AND status = 'queued'`,
          [workerId, startId, now, release.id],
        );
        if (affectedRows(result) !== 1) return false;
        await writeReleaseEvent(em, release.id, 'release.started');
        return true;
      }),
    );
  }

  /** The release holding the lock, or else the first one ahead in it, for "waiting for release N". */
  findBlocker(release: Pick<ReleaseEntity, 'id' | 'lockKey'>): Promise<number | null> {
    return this.uow.run('find lock holder', async (ds) => {
      const rows: { id: number }[] = await ds.query(
        `SELECT o.id FROM releases c JOIN releases o ON ${blocks('o', 'c')}
          WHERE c.id = ? ORDER BY (o.status = 'running') DESC, ${lockOrder('o')} LIMIT 1`,
        [new Date(), release.id],
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
        // The release row first (see lockReleaseRow): the event store's appends update it too.
        await lockReleaseRow(em, releaseId);
        const inserted = await em.query(
          'INSERT IGNORE INTO release_log_chunks (release_id, first_seq, last_seq, content) VALUES (?, ?, ?, ?)',
          [releaseId, firstSeq, lastSeq, lines.join('\n')],
        );
        await em.query('UPDATE releases SET log_lines = GREATEST(log_lines, ?) WHERE id = ?', [lastSeq, releaseId]);
        if (affectedRows(inserted) === 1) await releaseCounters.logLines(em, lines.length);
      }),
    );
  }

  /**
   * One page of the log by line numbers: the stored lines with after < seq <= after + maxLines, in order.
   * A page may be short (or empty) in the middle of a log whose lines are missing; the end of the log is
   * `lastLogSeq`, never the size of a page. `logPages` walks a whole log.
   */
  readLog(releaseId: number, after: number, maxLines: number): Promise<LogLine[]> {
    const last = after + maxLines;
    return this.uow.run('read log', async (ds) => {
      const chunks: { first_seq: number; content: string }[] = await ds.query(
        `SELECT first_seq, content FROM release_log_chunks
          WHERE release_id = ? AND last_seq > ? AND first_seq <= ? ORDER BY first_seq`,
        [releaseId, after, last],
      );
      const lines: LogLine[] = [];
      for (const chunk of chunks) {
        const firstSeq = Number(chunk.first_seq);
        const texts = chunk.content.split('\n');
        for (let i = Math.max(0, after + 1 - firstSeq); i < texts.length && firstSeq + i <= last; i++) {
          lines.push({ seq: firstSeq + i, text: texts[i] ?? '' });
        }
      }
      return lines;
    });
  }

  /** The highest line number stored for the release (0 when it has no log). */
  lastLogSeq(releaseId: number): Promise<number> {
    return this.uow.run('read log end', async (ds) => {
      const rows: { last: unknown }[] = await ds.query(
        'SELECT COALESCE(MAX(last_seq), 0) AS last FROM release_log_chunks WHERE release_id = ?',
        [releaseId],
      );
      return Number(rows[0]?.last ?? 0);
    });
  }

  /**
   * Every stored line after `after`, in pages of at most `pageLines` lines (non-empty pages only). It
   * reads up to the end stored when it started, then looks again, so a log still growing is followed
   * until a look finds nothing new.
   */
  async *logPages(releaseId: number, after: number, pageLines: number): AsyncGenerator<LogLine[]> {
    let next = after;
    for (let end = await this.lastLogSeq(releaseId); next < end; end = await this.lastLogSeq(releaseId)) {
      while (next < end) {
        const page = await this.readLog(releaseId, next, Math.min(pageLines, end - next));
        next += Math.min(pageLines, end - next);
        if (page.length > 0) yield page;
      }
    }
  }

  /** running → final, only for the worker that runs it; returns false if it was already final. */
  async finish(id: number, workerId: string, outcome: FinalOutcome): Promise<boolean> {
    return this.uow.run(`final status ${outcome.status}`, (ds) =>
      finalTransition(
        ds,
        id,
        finalEventType(outcome.status),
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
  }

  /**
   * The argv and ansible version of the run, written by the worker that started it (whatever its status
   * by now: an interrupted release ran this too). Keyed, so a retry writes the same values again.
   */
  async recordRun(id: number, workerId: string, run: RecordedRun): Promise<void> {
    await this.uow.run('record what ran', (ds) =>
      ds.query('UPDATE releases SET argv = ?, ansible_version = ? WHERE id = ? AND worker_id = ?', [
        JSON.stringify(run.argv),
        run.ansibleVersion,
        id,
        workerId,
      ]),
    );
  }

  /** queued → cancelled at once; returns false if it had already left `queued`. */
  async cancelQueued(id: number, by: string): Promise<boolean> {
    return this.uow.run('cancel queued release', (ds) =>
      finalTransition(
        ds,
        id,
        'release.cancelled',
        `UPDATE releases SET status = 'cancelled', cancel_requested_by = ?, reason = ?, finished_at = ?, waiting_reason = NULL
          WHERE id = ? AND status = 'queued'`,
        [by, `cancelled by ${by} before it started`, new Date(), id],
      ),
    );
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
    return this.uow.run('interrupt release', (ds) =>
      finalTransition(
        ds,
        id,
        'release.interrupted',
        `UPDATE releases SET status = 'interrupted', reason = ?, finished_at = ?, waiting_reason = NULL
          WHERE id = ? AND status = 'running' AND worker_id = ?`,
        [reason, new Date(), id, workerId],
      ),
    );
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

  /**
   * The release of a lock key that starts next (the first startable one in lock order), other than
   * `finishedId`, so a finishing worker can wake it at once. A scheduled release not yet due is not it.
   */
  findNextInLock(lockKey: string, finishedId: number): Promise<number | null> {
    return this.uow.run('find next in lock', async (ds) => {
      const rows: { id: number }[] = await ds.query(
        `SELECT c.id FROM releases c WHERE c.lock_key = ? AND c.id <> ? AND ${isStartable('c')}
          ORDER BY ${lockOrder('c')} LIMIT 1`,
        [lockKey, finishedId, new Date()],
      );
      return rows[0] ? Number(rows[0].id) : null;
    });
  }

  get dataSource(): DataSource {
    return this.uow.dataSource;
  }
}

/**
/**
 * One INSERT with every column given, and the entity built from what was inserted: what
 * `repository.save()` stored and returned, without its metadata walk and its re-read of the default
 * columns (every column has its value here, nullable ones null).
 */
async function insertRelease(em: EntityManager, input: NewRelease, requestId: string): Promise<ReleaseEntity> {
  const release = Object.assign(new ReleaseEntity(), {
    template: input.template,
    inventory: input.inventory,
    extraVars: input.extraVars,
    secretVars: input.secretVars,
    secretValues: input.secretValues,
    limit: input.limit,
    tags: input.tags,
    skipTags: input.skipTags,
    checkMode: input.checkMode,
    lockKey: input.lockKey,
    status: 'queued' as const,
    exitCode: null,
    reason: null,
    waitingReason: null,
    workerId: null,
    requestedBy: input.requestedBy,
    rerunOf: input.rerunOf,
    cancelRequestedBy: null,
    logLines: 0,
    // The columns' defaults (issue 21): no event yet.
    eventsStored: 0,
    eventsNextSeq: 1,
    eventsComplete: false,
    eventsNotKept: 0,
    recap: null,
    createdAt: new Date(),
    runAt: input.runAt,
    startedAt: null,
    finishedAt: null,
    logDeletedAt: null,
    requestId,
    argv: null,
    ansibleVersion: null,
    catalogDigest: input.catalogDigest,
    commitSha: input.commitSha ?? null,
    gitRef: input.gitRef ?? null,
    freezeOverride: input.freezeOverride ?? null,
    startId: null,
  });
  const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
  const result: unknown = await em.query(
    `INSERT INTO releases (template, inventory, extra_vars, secret_vars, secret_values, host_limit, tags, skip_tags, check_mode,
                           lock_key, status, requested_by, rerun_of, log_lines, created_at, run_at, request_id, catalog_digest,
                           commit_sha, git_ref, freeze_override)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      release.template,
      release.inventory,
      json(release.extraVars),
      json(release.secretVars),
      release.secretValues,
      release.limit,
      json(release.tags),
      json(release.skipTags),
      release.checkMode ? 1 : 0,
      release.lockKey,
      release.status,
      release.requestedBy,
      release.rerunOf,
      release.logLines,
      release.createdAt,
      release.runAt,
      release.requestId,
      release.catalogDigest,
      release.commitSha,
      release.gitRef,
      json(release.freezeOverride),
    ],
  );
  release.id = Number((result as { insertId: number }).insertId);
  return release;
}

/**
 * A conditional UPDATE to a final status and, only if it applied, the count of it and its webhook
 * deliveries (the outbox): one transaction, so the figures of /metrics never miss a finished release nor
 * count one twice (a retry finds it final), and no event is sent for a change that did not commit.
 */
function finalTransition(ds: DataSource, id: number, event: WebhookEventType, update: string, params: unknown[]): Promise<boolean> {
  return ds.transaction(async (em: EntityManager) => {
    if (affectedRows(await em.query(update, params)) !== 1) return false;
    await releaseCounters.finished(em, id);
    await writeReleaseEvent(em, id, event);
    return true;
  });
}

/** The cursor release's created_at, or (it was deleted) that of its nearest neighbour by id that way. */
async function cursorCreatedAt(ds: DataSource, id: number, older: boolean): Promise<Date | null> {
  const rows: { created_at: Date }[] = await ds.query(
    older
      ? 'SELECT created_at FROM releases WHERE id <= ? ORDER BY id DESC LIMIT 1'
      : 'SELECT created_at FROM releases WHERE id >= ? ORDER BY id ASC LIMIT 1',
    [id],
  );
  return rows[0]?.created_at ?? null;
}

function affectedRows(result: unknown): number {
  if (result && typeof result === 'object' && 'affectedRows' in result) {
    return Number((result).affectedRows);
  }
  // TypeORM returns [rows, affected] for some drivers.
  if (Array.isArray(result) && typeof result[1] === 'number') return result[1];
  return 0;
}

/**
 * Takes the release row's exclusive lock at the start of a transaction that inserts rows referring to it
 * and then updates it (a log chunk and log_lines; a batch of events and events_*). Without it, each
 * INSERT's foreign key check takes a shared lock on the row and each UPDATE then wants it exclusive: two
 * such transactions of one release (the log and the events, stored side by side) deadlocked in turn, and
 * every deadlock was a retried unit of work. Locked first, they simply queue.
 */
export async function lockReleaseRow(em: Pick<EntityManager, 'query'>, releaseId: number): Promise<void> {
  await em.query('SELECT id FROM releases WHERE id = ? FOR UPDATE', [releaseId]);
}
