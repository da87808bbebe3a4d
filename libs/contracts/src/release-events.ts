import { z } from 'zod';
import { isoTime, keysetPage } from './common.js';
import { NOT_BOTH_CURSORS, notBothCursors, pageQueryFields } from './page-query.js';
import { named } from './registry.js';
import { MAX_NAME_LENGTH } from './limits.js';
import { HOST_RESULT_STATUSES, type HostResultStatus } from './enums.js';

/**
 * Issue 21 "what changed": ansible's own events of a release, captured by Slipway's callback plugin, masked
 * like the log. A host result is one host's outcome of one task; a loop's items are item results of it.
 */
export const ANSIBLE_EVENT_TYPES = ['playbook_start', 'play_start', 'task_start', 'host_result', 'item_result', 'stats'] as const;
export type AnsibleEventType = (typeof ANSIBLE_EVENT_TYPES)[number];
/** A host's overall status: the worst of its results (unreachable > failed > changed > ok; skipped when only skipped). */
export const HOST_STATUSES = ['ok', 'changed', 'failed', 'unreachable', 'skipped'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

const statusCounts = z.strictObject(Object.fromEntries(HOST_RESULT_STATUSES.map((s) => [s, z.number().int()])) as Record<HostResultStatus, z.ZodNumber>);
export type HostResultCounts = z.infer<typeof statusCounts>;

/** Whether the events of a release are all stored: `complete` once the final stats are; else from where they stop. */
export const releaseEventsState = named(
  'ReleaseEventsState',
  z.strictObject({
    state: z.enum(['none', 'receiving', 'complete', 'incomplete']).meta({
      description: 'none: no event yet; receiving: it runs; complete: the final stats are stored and nothing before them is missing; incomplete: it ended without them (ansible or the worker died)',
    }),
    stored: z.number().int().meta({ description: 'Events stored' }),
    nextSeq: z.number().int().meta({ description: 'The first sequence number not stored: where an incomplete release\'s events stop' }),
    notKept: z.number().int().meta({ description: 'Events that could not be kept (a bounded buffer was full), counted, never silently dropped; 0 normally' }),
  }),
);
export type ReleaseEventsState = z.infer<typeof releaseEventsState>;

export const firstFailure = z.strictObject({
  seq: z.number().int(),
  taskId: z.string(),
  task: z.string(),
  status: z.enum(['failed', 'unreachable']),
  msg: z.string().nullable().meta({ description: "The result's msg (masked), if any" }),
});

export const hostSummary = named(
  'HostSummary',
  z.strictObject({
    host: z.string(),
    status: z.enum(HOST_STATUSES),
    counts: statusCounts.meta({ description: 'Host results by status, one status each (ok means ok and unchanged)' }),
    changedResults: z.number().int().meta({ description: "Results that reported a change whatever their status (an ignored failure may have changed): the recap's `changed`" }),
    firstFailure: firstFailure.nullable(),
  }),
);
export type HostSummary = z.infer<typeof hostSummary>;

export const releaseHosts = named('ReleaseHosts', z.strictObject({ events: releaseEventsState, hosts: z.array(hostSummary) }));
export type ReleaseHosts = z.infer<typeof releaseHosts>;

export const taskSummary = named(
  'TaskSummary',
  z.strictObject({
    taskId: z.string(),
    task: z.string(),
    action: z.string().nullable(),
    path: z.string().nullable().meta({ description: 'file:line of the task' }),
    handler: z.boolean(),
    firstSeq: z.number().int().meta({ description: 'Sequence of its task_start: tasks are listed in the order they ran' }),
    counts: statusCounts,
    durationMs: z.number().nullable().meta({ description: 'Its longest host result' }),
  }),
);
export type TaskSummary = z.infer<typeof taskSummary>;

export const releaseTasks = named('ReleaseTasks', z.strictObject({ events: releaseEventsState, tasks: z.array(taskSummary) }));
export type ReleaseTasks = z.infer<typeof releaseTasks>;

/** One event in a list: what a grid cell needs, without the result itself (GET one event for that). */
export const ansibleEventSummary = named(
  'AnsibleEventSummary',
  z.strictObject({
    id: z.number().int().meta({ description: 'Its sequence number in the release (the paging cursor)' }),
    seq: z.number().int(),
    type: z.enum(ANSIBLE_EVENT_TYPES),
    emittedAt: isoTime.meta({ description: 'When ansible raised it' }),
    taskId: z.string().nullable(),
    task: z.string().nullable(),
    host: z.string().nullable(),
    status: z.enum(HOST_RESULT_STATUSES).nullable(),
    changed: z.boolean(),
    durationMs: z.number().int().nullable(),
  }),
);
export type AnsibleEventSummary = z.infer<typeof ansibleEventSummary>;

export const ansibleEventPage = named('AnsibleEventPage', keysetPage(ansibleEventSummary));
export type AnsibleEventPage = z.infer<typeof ansibleEventPage>;

/** One event whole: its summary and the plugin's event as stored (masked): result (stdout, stderr, msg…), diff, item. */
export const ansibleEventBody = named(
  'AnsibleEventBody',
  z.strictObject({
    ...ansibleEventSummary.shape,
    event: z.record(z.string(), z.unknown()).meta({ description: "The callback plugin's event as stored, every string masked; `result` and `diff` are null under no_log" }),
  }),
);
export type AnsibleEventBody = z.infer<typeof ansibleEventBody>;

export const listAnsibleEventsQuery = named(
  'ListAnsibleEventsQuery',
  z
    .strictObject({
      ...pageQueryFields,
      host: z.string().max(255, { message: 'at most 255 characters' }).optional().meta({ description: 'Only this host (exact)' }),
      task: z.string().max(MAX_NAME_LENGTH, { message: `at most ${MAX_NAME_LENGTH} characters` }).optional().meta({ description: 'Only this task id' }),
      status: z.enum(HOST_RESULT_STATUSES, { message: `must be one of ${HOST_RESULT_STATUSES.join(', ')}` }).optional(),
      type: z.enum(ANSIBLE_EVENT_TYPES, { message: `must be one of ${ANSIBLE_EVENT_TYPES.join(', ')}` }).optional(),
    })
    .refine(notBothCursors, NOT_BOTH_CURSORS),
);
export type ListAnsibleEventsQuery = z.infer<typeof listAnsibleEventsQuery>;

/** What the live stream (SSE) carries besides log lines: typed task and host-result events, masked, once stored. */
export type ReleaseStreamTaskEvent = { type: 'task'; seq: number; taskId: string; task: string; action: string; path: string; handler: boolean };
export type ReleaseStreamHostResultEvent = {
  type: 'host-result';
  seq: number;
  taskId: string;
  task: string;
  host: string;
  status: HostResultStatus;
  changed: boolean;
  item: boolean;
  durationMs: number | null;
};
export type ReleaseStreamEventsState = { type: 'events-state' } & ReleaseEventsState;
