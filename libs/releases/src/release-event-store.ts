import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AnsibleEvent, AnsibleEventHead, StorableAnsibleEvent } from '@slipway/ansible';
import type {
  AnsibleEventBody,
  AnsibleEventSummary,
  HostResultCounts,
  HostResultStatus,
  HostStatus,
  HostSummary,
  ListAnsibleEventsQuery,
  ReleaseEventsState,
  TaskSummary,
} from '@slipway/contracts';
import { HOST_RESULT_STATUSES } from '@slipway/contracts';
import { type KeysetPage, UnitOfWork, keysetPage } from '@slipway/db';
import { FINAL_STATUSES, isFinal } from './release-state.js';
import { affectedRows, lockReleaseRow } from './release-store.js';

/** Columns of release_events as read (mysql2 answers numbers of BIGINT sums as strings). */
interface EventRow {
  seq: number | string;
  type: AnsibleEvent['type'];
  emitted_at: Date;
  task_id: string | null;
  task: string | null;
  host: string | null;
  status: HostResultStatus | null;
  changed: number | string;
  duration_ms: number | string | null;
  data?: string;
}

const SUMMARY_COLUMNS = 'seq, type, emitted_at, task_id, task, host, status, changed, duration_ms';

function hostOf(event: AnsibleEventHead): string | null {
  return event.type === 'host_result' || event.type === 'item_result' ? event.host.slice(0, 255) : null;
}

/**
 * ansible's events of each release (release_events), stored by the worker in batches and read by the API.
 * A batch is one multi-row INSERT IGNORE keyed by (release, seq) in one transaction with the release's
 * counters, so a batch stored twice (a retry after a lost reply; a worker SIGKILLed after the commit) adds
 * nothing, and order is the plugin's sequence, never the arrival.
 */
@Injectable()
export class ReleaseEventStore {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Stores one batch of consecutive events (masked and bounded by the caller). `events_next_seq` moves past
   * the batch only if it starts where the stored ones end, so a batch stored after a lost one never makes
   * a release look whole; the events are complete once the final stats are stored with nothing before missing.
   */
  async append(releaseId: number, events: readonly StorableAnsibleEvent[]): Promise<void> {
    if (events.length === 0) return;
    const first = events[0].head.seq;
    const last = events.at(-1)!.head.seq;
    const stats = events.find((e) => e.head.type === 'stats')?.head;
    const values: unknown[] = [];
    for (const { head: event, json } of events) {
      const result = event.type === 'host_result' || event.type === 'item_result' ? event : null;
      values.push(
        releaseId,
        event.seq,
        event.type,
        new Date(event.t),
        'taskId' in event ? event.taskId.slice(0, 64) : null,
        'task' in event ? event.task.slice(0, 512) : null,
        hostOf(event),
        result?.status ?? null,
        result?.changed ? 1 : 0,
        result?.durationMs == null ? null : Math.round(result.durationMs),
        // As bytes, which mysql2 writes as a hex literal: escaping the JSON's many quotes one by one was
        // most of the cost of formatting a batch (16 -> 7 ms per 1 000 events with the worker's V8 flags).
        Buffer.from(json, 'utf8'),
      );
    }
    // stored_at is the DB's clock (UTC, as the connection writes dates): one Date fewer to format per row.
    const rows = events.map(() => '(?, ?, ?, ?, UTC_TIMESTAMP(3), ?, ?, ?, ?, ?, ?, ?)').join(', ');
    await this.uow.run('append events', (ds) =>
      ds.transaction(async (em: EntityManager) => {
        await lockReleaseRow(em, releaseId);
        const inserted = await em.query(
          `INSERT IGNORE INTO release_events
             (release_id, seq, type, emitted_at, stored_at, task_id, task, host, status, changed, duration_ms, data)
           VALUES ${rows}`,
          values,
        );
        // SET is applied left to right: events_complete sees the new events_next_seq.
        await em.query(
          `UPDATE releases SET
             events_stored = events_stored + ?,
             events_next_seq = IF(events_next_seq BETWEEN ? AND ?, ?, events_next_seq),
             events_complete = events_complete OR (? AND events_next_seq > ?)
           WHERE id = ?`,
          [affectedRows(inserted), first, last + 1, last + 1, stats ? 1 : 0, stats?.seq ?? 0, releaseId],
        );
      }),
    );
  }

  /** Events the release could not keep (a buffer was full): a total, so writing it twice counts once. */
  async recordNotKept(releaseId: number, total: number): Promise<void> {
    if (total <= 0) return;
    await this.uow.run('record events not kept', (ds) =>
      ds.query('UPDATE releases SET events_not_kept = GREATEST(events_not_kept, ?) WHERE id = ?', [total, releaseId]),
    );
  }

  /** Null when there is no such release. */
  state(releaseId: number): Promise<ReleaseEventsState | null> {
    return this.uow.run('read events state', async (ds) => eventsState(ds.manager, releaseId));
  }

  hosts(releaseId: number): Promise<{ events: ReleaseEventsState; hosts: HostSummary[] } | null> {
    return this.uow.run('read host summary', async (ds) => {
      const events = await eventsState(ds.manager, releaseId);
      if (!events) return null;
      const counts: { host: string; status: HostResultStatus; n: number | string; changed: number | string }[] = await ds.query(
        `SELECT host, status, COUNT(*) AS n, SUM(changed) AS changed FROM release_events
          WHERE release_id = ? AND type = 'host_result' GROUP BY host, status ORDER BY host`,
        [releaseId],
      );
      const failures: (EventRow & { data: string })[] = await ds.query(
        `SELECT e.${SUMMARY_COLUMNS.split(', ').join(', e.')}, e.data FROM release_events e
           JOIN (SELECT host, MIN(seq) AS seq FROM release_events
                  WHERE release_id = ? AND type = 'host_result' AND status IN ('failed', 'unreachable') GROUP BY host) f
             ON f.host = e.host AND f.seq = e.seq
          WHERE e.release_id = ?`,
        [releaseId, releaseId],
      );
      const byHost = new Map<string, HostResultCounts>();
      const changedResults = new Map<string, number>();
      for (const row of counts) {
        const host = byHost.get(row.host) ?? zeroCounts();
        host[row.status] = Number(row.n);
        byHost.set(row.host, host);
        changedResults.set(row.host, (changedResults.get(row.host) ?? 0) + Number(row.changed));
      }
      const firstFailures = new Map(failures.map((row) => [row.host, row]));
      const hosts = [...byHost].map(([host, c]): HostSummary => {
        const failure = firstFailures.get(host);
        return {
          host,
          status: hostStatus(c),
          counts: c,
          changedResults: changedResults.get(host) ?? 0,
          firstFailure: failure
            ? {
                seq: Number(failure.seq),
                taskId: failure.task_id ?? '',
                task: failure.task ?? '',
                status: failure.status === 'unreachable' ? 'unreachable' : 'failed',
                msg: messageOf(failure.data),
              }
            : null,
        };
      });
      return { events, hosts };
    });
  }

  tasks(releaseId: number): Promise<{ events: ReleaseEventsState; tasks: TaskSummary[] } | null> {
    return this.uow.run('read task summary', async (ds) => {
      const events = await eventsState(ds.manager, releaseId);
      if (!events) return null;
      const starts: { seq: number | string; task_id: string; task: string; data: string }[] = await ds.query(
        `SELECT seq, task_id, task, data FROM release_events WHERE release_id = ? AND type = 'task_start' ORDER BY seq`,
        [releaseId],
      );
      const counts: { task_id: string; status: HostResultStatus; n: number | string; longest: number | string | null }[] = await ds.query(
        `SELECT task_id, status, COUNT(*) AS n, MAX(duration_ms) AS longest FROM release_events
          WHERE release_id = ? AND type = 'host_result' GROUP BY task_id, status`,
        [releaseId],
      );
      const tasks = new Map<string, TaskSummary>();
      for (const start of starts) {
        if (tasks.has(start.task_id)) continue; // a handler notified twice starts twice: one column
        const event = JSON.parse(start.data) as Extract<AnsibleEvent, { type: 'task_start' }>;
        tasks.set(start.task_id, {
          taskId: start.task_id,
          task: start.task,
          action: event.action ?? null,
          path: event.path || null,
          handler: event.handler === true,
          firstSeq: Number(start.seq),
          counts: zeroCounts(),
          durationMs: null,
        });
      }
      for (const row of counts) {
        const task = tasks.get(row.task_id);
        if (!task) continue;
        task.counts[row.status] = Number(row.n);
        if (row.longest !== null) task.durationMs = Math.max(task.durationMs ?? 0, Number(row.longest));
      }
      return { events, tasks: [...tasks.values()] };
    });
  }

  /** A page of events newest first, keyset-paged by sequence number like the release list. Null: no release. */
  list(releaseId: number, query: ListAnsibleEventsQuery): Promise<KeysetPage<AnsibleEventSummary> | null> {
    return this.uow.run('list events', async (ds) => {
      const exists: unknown[] = await ds.query('SELECT id FROM releases WHERE id = ?', [releaseId]);
      if (exists.length === 0) return null;
      const where = ['release_id = ?'];
      const params: unknown[] = [releaseId];
      for (const [column, value] of [['host', query.host], ['task_id', query.task], ['status', query.status], ['type', query.type]] as const) {
        if (value === undefined) continue;
        where.push(`${column} = ?`);
        params.push(value);
      }
      const older = query.after === undefined;
      const cursor = query.after ?? query.before;
      if (cursor !== undefined) {
        where.push(`seq ${older ? '<' : '>'} ?`);
        params.push(cursor);
      }
      const rows: EventRow[] = await ds.query(
        `SELECT ${SUMMARY_COLUMNS} FROM release_events WHERE ${where.join(' AND ')} ORDER BY seq ${older ? 'DESC' : 'ASC'} LIMIT ?`,
        [...params, query.limit + 1],
      );
      return keysetPage(rows.map(summaryOf), query);
    });
  }

  /** One event whole (masked as stored); null when there is none with that number. */
  one(releaseId: number, seq: number): Promise<AnsibleEventBody | null> {
    return this.uow.run('read event', async (ds) => {
      const rows: (EventRow & { data: string })[] = await ds.query(
        `SELECT ${SUMMARY_COLUMNS}, data FROM release_events WHERE release_id = ? AND seq = ?`,
        [releaseId, seq],
      );
      const row = rows[0];
      return row ? { ...summaryOf(row), event: JSON.parse(row.data) as Record<string, unknown> } : null;
    });
  }
}

async function eventsState(em: EntityManager, releaseId: number): Promise<ReleaseEventsState | null> {
  const rows: { status: string; events_stored: number | string; events_next_seq: number | string; events_complete: number | string; events_not_kept: number | string }[] =
    await em.query('SELECT status, events_stored, events_next_seq, events_complete, events_not_kept FROM releases WHERE id = ?', [releaseId]);
  const row = rows[0];
  if (!row) return null;
  return releaseEventsStateOf({
    status: row.status,
    eventsStored: Number(row.events_stored),
    eventsNextSeq: Number(row.events_next_seq),
    eventsComplete: Number(row.events_complete) === 1,
    eventsNotKept: Number(row.events_not_kept),
  });
}

/**
 * Releases with incomplete events, cluster-wide (/metrics): final, no stats stored, and some event stored
 * or missing (the rule of releaseEventsStateOf). Reads only the index idx_releases_events_incomplete
 * (events_complete, events_next_seq, events_stored, status): two ranges of the releases without complete
 * events that have any, so it costs the incomplete and running releases, not the history.
 */
export async function countReleasesWithIncompleteEvents(sql: Pick<EntityManager, 'query'>): Promise<number> {
  const [row]: { n: unknown }[] = await sql.query(
    `SELECT COUNT(*) AS n FROM releases FORCE INDEX (idx_releases_events_incomplete)
      WHERE events_complete = 0 AND status IN (?)
        AND (events_next_seq > 1 OR (events_next_seq = 1 AND events_stored > 0))`,
    [FINAL_STATUSES],
  );
  return Number(row?.n ?? 0);
}

/** The events' state from the release's columns: complete only with the stats; a final release without them is incomplete. */
export function releaseEventsStateOf(release: {
  status: string;
  eventsStored: number;
  eventsNextSeq: number;
  eventsComplete: boolean;
  eventsNotKept: number;
}): ReleaseEventsState {
  const state = release.eventsComplete
    ? 'complete'
    : isFinal(release.status as never)
      ? release.eventsStored === 0 && release.eventsNextSeq === 1 ? 'none' : 'incomplete'
      : release.eventsStored === 0 ? 'none' : 'receiving';
  return { state, stored: release.eventsStored, nextSeq: release.eventsNextSeq, notKept: release.eventsNotKept };
}

function summaryOf(row: EventRow): AnsibleEventSummary {
  const seq = Number(row.seq);
  return {
    id: seq,
    seq,
    type: row.type,
    emittedAt: new Date(row.emitted_at).toISOString(),
    taskId: row.task_id,
    task: row.task,
    host: row.host,
    status: row.status,
    changed: Number(row.changed) === 1,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
  };
}

function zeroCounts(): HostResultCounts {
  return Object.fromEntries(HOST_RESULT_STATUSES.map((s) => [s, 0])) as HostResultCounts;
}

function hostStatus(c: HostResultCounts): HostStatus {
  if (c.unreachable > 0) return 'unreachable';
  if (c.failed > 0) return 'failed';
  if (c.changed > 0) return 'changed';
  if (c.ok + c.ignored + c.rescued > 0) return 'ok';
  return 'skipped';
}

function messageOf(data: string): string | null {
  const event = JSON.parse(data) as { result?: { msg?: unknown } | null };
  const msg = event.result?.msg;
  return typeof msg === 'string' ? msg : msg === undefined || msg === null ? null : JSON.stringify(msg);
}
