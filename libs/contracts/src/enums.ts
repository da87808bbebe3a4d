/*
 * The closed lists the API's contract is built on. No imports (not even zod), so the dashboard bundle
 * and the CLI can take their values without pulling in anything else; libs/db stores these values.
 */

/**
 * `awaiting-approval` (issue 22): a release of a template that requires approval, before enough approvers
 * said yes; it holds no lock and has no job. It ends `queued` (approved), `rejected`, `expired` or `cancelled`.
 */
export const RELEASE_STATUSES = ['awaiting-approval', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted', 'rejected', 'expired'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

/** Ranked: each role may do all the roles before it may. An approver is a deployer who may also approve releases (admins may too). */
export const ROLES = ['viewer', 'deployer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const AUDIT_ACTIONS = [
  'release.create', 'release.cancel', 'release.rerun', 'release.approve', 'release.reject', 'release.expire', 'token.create', 'token.revoke', 'catalog.reload',
  'schedule.create', 'schedule.pause', 'schedule.resume', 'schedule.delete', 'freeze.create', 'freeze.update', 'freeze.delete',
  'webhook.create', 'webhook.rotate-secret', 'webhook.redeliver', 'webhook.update', 'webhook.delete',
  'dns.zone.create', 'dns.zone.delete', 'dns.zone.import', 'dns.record.create', 'dns.record.update', 'dns.record.delete',
  'dns.zone.reload-release',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an audit entry is about; there is one catalog, recorded as target id 0. */
export const AUDIT_TARGET_TYPES = ['release', 'token', 'catalog', 'schedule', 'freeze-window', 'webhook', 'dns_zone', 'dns_record'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/** DNS record types the service manages (libs/dns RECORD_TYPES is the same list). */
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'PTR', 'NS', 'CAA'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/**
 * Where a zone's rendering stands: pending (never rendered yet), rendered, failed (the checker refused it),
 * reload-pending (installed; the zone's reload release has not finished), reload-failed (installed, the
 * reload step or release failed).
 */
export const DNS_RENDER_STATUSES = ['pending', 'rendered', 'failed', 'reload-pending', 'reload-failed'] as const;
export type DnsRenderStatus = (typeof DNS_RENDER_STATUSES)[number];

export const WORKER_STATES = ['active', 'draining'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

/** What a webhook endpoint may subscribe to: one event per release status a release enters, the approval events and skipped schedule ticks. */
export const WEBHOOK_EVENT_TYPES = [
  'release.queued',
  'release.started',
  'release.succeeded',
  'release.failed',
  'release.cancelled',
  'release.interrupted',
  /** A release waits for approval (issue 22/23). */
  'approval.requested',
  /** Its approval was decided: approved (it is queued), rejected or expired (`data.approval.decision`). */
  'approval.decided',
  /** A schedule's tick did not launch: skipped in a freeze window, or missed while Slipway was down. */
  'schedule.tick-skipped',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** `standard`: Standard Webhooks JSON; `slack`: a Slack-compatible incoming-webhook message. */
export const WEBHOOK_FORMATS = ['standard', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** pending: to be sent (or being retried); delivered: a 2xx came back; dead: no more attempts. */
export const WEBHOOK_DELIVERY_STATES = ['pending', 'delivered', 'dead'] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/** How one host's result of one task ended (issue 21; the release-events contract is built on it). */
export const HOST_RESULT_STATUSES = ['ok', 'changed', 'failed', 'skipped', 'unreachable', 'ignored', 'rescued'] as const;
export type HostResultStatus = (typeof HOST_RESULT_STATUSES)[number];
