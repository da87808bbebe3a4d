import { randomUUID } from 'node:crypto';
import type { WebhookEventType } from '@slipway/contracts';
import type { EntityManager } from 'typeorm';

/** Anything that runs SQL: the EntityManager of the transaction the status change is written in. */
type Sql = Pick<EntityManager, 'query'>;

/** What a delivery's payload says about the release (never its vars: secret or not, they stay in Slipway). */
export interface ReleaseEventData {
  id: number;
  template: string;
  inventory: string;
  status: string;
  commit: string | null;
  gitRef: string | null;
  actor: string;
  reason: string | null;
  exitCode: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What approval.requested and approval.decided add (issue 22/23): the rule, the decision and who made it. */
export interface ApprovalEventData {
  required: number;
  /** Distinct approvers so far. */
  approvedBy: string[];
  expiresAt: string;
  previewReleaseId: number | null;
  /** approval.decided only: approved (the release is queued), rejected or expired; by null for expired. */
  decision?: 'approved' | 'rejected' | 'expired';
  by?: string | null;
  comment?: string | null;
}

/**
 * The event as stored in the outbox. `links` are paths: the sender makes them absolute with
 * SLIPWAY_PUBLIC_URL when it sends, so a changed address applies to deliveries not yet sent.
 */
export interface StoredReleaseEvent {
  type: WebhookEventType;
  timestamp: string;
  data: { release: ReleaseEventData; links: { release: string; log: string; dashboard: string }; approval?: ApprovalEventData };
}

/** What a `schedule.tick-skipped` delivery says: which schedule, which tick, and why it did not launch. */
export interface ScheduleTickEventData {
  schedule: { id: number; name: string; template: string; inventory: string };
  tick: {
    at: string;
    /** skipped: a freeze window was in force; missed: Slipway was not running (or a later tick was due). */
    outcome: 'skipped' | 'missed';
    reason: string;
    /** The freeze window in force, for a skipped tick. */
    window: { name: string; endsAt: string } | null;
  };
}

export interface StoredScheduleTickEvent {
  type: 'schedule.tick-skipped';
  timestamp: string;
  data: ScheduleTickEventData & { links: { schedule: string; dashboard: string } };
}

/** Any event as stored in the outbox; every link is a path the sender makes absolute. */
export type StoredWebhookEvent = StoredReleaseEvent | StoredScheduleTickEvent;

interface EndpointRow {
  id: number;
  events: string | string[];
  templates: string | string[] | null;
  inventories: string | string[] | null;
}

const list = (value: string | string[] | null): string[] | null => (value === null ? null : typeof value === 'string' ? (JSON.parse(value) as string[]) : value);

/**
 * The outbox write: one delivery per enabled endpoint that wants this event for this release, in the
 * caller's transaction (the status change it reports). Committed with the change or not at all, so a
 * change rolled back sends nothing and a committed one is never forgotten, whatever dies afterwards.
 * Callers call it only when their conditional UPDATE applied, so a retried unit of work writes it once.
 */
export async function writeReleaseEvent(sql: Sql, releaseId: number, type: WebhookEventType, approval?: ApprovalEventData): Promise<void> {
  const endpoints = await enabledEndpoints(sql);
  if (endpoints.length === 0) return;
  const rows: {
    template: string;
    inventory: string;
    status: string;
    commit_sha: string | null;
    git_ref: string | null;
    requested_by: string;
    reason: string | null;
    exit_code: number | null;
    created_at: Date;
    started_at: Date | null;
    finished_at: Date | null;
  }[] = await sql.query(
    `SELECT template, inventory, status, commit_sha, git_ref, requested_by, reason, exit_code, created_at, started_at, finished_at
       FROM releases WHERE id = ?`,
    [releaseId],
  );
  const release = rows[0];
  if (!release) return;
  const wanted = interested(endpoints, type, release.template, release.inventory);
  if (wanted.length === 0) return;
  const now = new Date();
  const event: StoredReleaseEvent = {
    type,
    timestamp: now.toISOString(),
    data: {
      release: {
        id: releaseId,
        template: release.template,
        inventory: release.inventory,
        status: release.status,
        commit: release.commit_sha,
        gitRef: release.git_ref,
        actor: release.requested_by,
        reason: release.reason,
        exitCode: release.exit_code === null ? null : Number(release.exit_code),
        createdAt: new Date(release.created_at).toISOString(),
        startedAt: release.started_at ? new Date(release.started_at).toISOString() : null,
        finishedAt: release.finished_at ? new Date(release.finished_at).toISOString() : null,
      },
      links: { release: `/api/v1/releases/${releaseId}`, log: `/api/v1/releases/${releaseId}/log`, dashboard: `/releases/${releaseId}` },
      ...(approval ? { approval } : {}),
    },
  };
  await insertDeliveries(sql, wanted, type, releaseId, event, now);
}

/**
 * The outbox write of a schedule tick that did not launch (skipped in a freeze window, or missed), in
 * the transaction that records the tick: one delivery per enabled endpoint that wants
 * `schedule.tick-skipped` and whose template/inventory filters match the schedule's. Callers call it
 * only when their tick write applied, so a retried unit of work writes it once.
 */
export async function writeScheduleTickEvent(sql: Sql, data: ScheduleTickEventData): Promise<void> {
  const type = 'schedule.tick-skipped';
  const endpoints = await enabledEndpoints(sql);
  const wanted = interested(endpoints, type, data.schedule.template, data.schedule.inventory);
  if (wanted.length === 0) return;
  const now = new Date();
  const event: StoredScheduleTickEvent = {
    type,
    timestamp: now.toISOString(),
    data: { ...data, links: { schedule: `/api/v1/schedules/${data.schedule.id}`, dashboard: '/schedules' } },
  };
  await insertDeliveries(sql, wanted, type, null, event, now);
}

/**
 * A shared lock: an endpoint being deleted meanwhile is either still there (its delete waits for this
 * commit) or already gone (not written to): never a delivery row pointing at a removed endpoint.
 */
function enabledEndpoints(sql: Sql): Promise<EndpointRow[]> {
  return sql.query('SELECT id, events, templates, inventories FROM webhook_endpoints WHERE enabled = 1 LOCK IN SHARE MODE');
}

function interested(endpoints: EndpointRow[], type: WebhookEventType, template: string, inventory: string): EndpointRow[] {
  return endpoints.filter((e) => {
    const templates = list(e.templates);
    const inventories = list(e.inventories);
    return (list(e.events) ?? []).includes(type) && (templates === null || templates.includes(template)) && (inventories === null || inventories.includes(inventory));
  });
}

async function insertDeliveries(sql: Sql, endpoints: EndpointRow[], type: WebhookEventType, releaseId: number | null, event: StoredWebhookEvent, now: Date): Promise<void> {
  // One message id per event: every endpoint gets the same webhook-id for it, and every attempt too.
  const messageId = `msg_${randomUUID()}`;
  const payload = JSON.stringify(event);
  await sql.query(
    `INSERT INTO webhook_deliveries (endpoint_id, message_id, event_type, release_id, payload, state, attempts, next_attempt_at, created_at)
     VALUES ${endpoints.map(() => "(?, ?, ?, ?, ?, 'pending', 0, ?, ?)").join(', ')}`,
    endpoints.flatMap((e) => [Number(e.id), messageId, type, releaseId, payload, now, now]),
  );
}

/** The event a final status reports. */
export function finalEventType(status: 'succeeded' | 'failed' | 'cancelled' | 'interrupted'): WebhookEventType {
  return `release.${status}`;
}
