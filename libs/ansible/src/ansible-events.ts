import { HOST_RESULT_STATUSES, type HostRecapCounts, type HostResultStatus } from '@slipway/contracts';
import type { SecretMasker } from './secret-masker.js';

/**
 * The events Slipway's callback plugin writes (apps/worker/callback_plugins/slipway_events.py), one JSON
 * object a line. `seq` is numbered by the plugin, from 1, in the order ansible raised the events: one run
 * is one release, so it is the release's own sequence. `t` is when ansible raised it (ms since the epoch).
 */
export const EVENT_FORMAT_VERSION = 1;


interface EventBase {
  v: number;
  seq: number;
  t: number;
}

export type HostResultEvent = EventBase & {
  type: 'host_result' | 'item_result';
  taskId: string;
  task: string;
  host: string;
  status: HostResultStatus;
  changed: boolean;
  durationMs: number | null;
  delegateTo: string | null;
  noLog: boolean;
  /** Loop item results only: the item (its label), null under no_log. */
  item?: unknown;
  /** How many loop items the task's whole result covers. */
  items?: number;
  /** The module's result without the diff and ansible's own keys; null under no_log. */
  result: Record<string, unknown> | null;
  diff: unknown;
};

export type AnsibleEvent =
  | (EventBase & { type: 'playbook_start'; playbook: string })
  | (EventBase & { type: 'play_start'; play: string; playId: string; check: boolean; diffMode: boolean })
  | (EventBase & {
      type: 'task_start';
      taskId: string;
      task: string;
      action: string;
      path: string;
      tags: string[];
      handler: boolean;
    })
  | HostResultEvent
  | (EventBase & { type: 'stats'; hosts: Record<string, HostRecapCounts>; notKept: number });

const TYPES = new Set<string>(['playbook_start', 'play_start', 'task_start', 'host_result', 'item_result', 'stats']);
const STATUSES = new Set<string>(HOST_RESULT_STATUSES);

/** One line of the plugin's file as an event, or null when it is not one (a torn last line, another version). */
export function parseAnsibleEvent(line: string): AnsibleEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const event = value as Record<string, unknown>;
  if (event.v !== EVENT_FORMAT_VERSION || !Number.isSafeInteger(event.seq) || (event.seq as number) < 1) return null;
  if (typeof event.type !== 'string' || !TYPES.has(event.type) || typeof event.t !== 'number') return null;
  if ((event.type === 'host_result' || event.type === 'item_result') && (typeof event.host !== 'string' || !STATUSES.has(event.status as string))) return null;
  return event as unknown as AnsibleEvent;
}

/**
 * The event with every string in it masked, keys included (a host name is a key of the stats): the same
 * masker as the log, so a secret var or credential that reaches a task name, a host name, a loop item, a
 * registered var's stdout or a diff is stored, streamed and returned as "********".
 */
export function maskAnsibleEvent<T extends AnsibleEvent>(event: T, masker: SecretMasker): T {
  if (masker.empty) return event;
  return maskValue(event, masker) as T;
}

function maskValue(value: unknown, masker: SecretMasker): unknown {
  if (typeof value === 'string') return masker.mask(value);
  if (Array.isArray(value)) return value.map((item) => maskValue(item, masker));
  if (typeof value === 'object' && value !== null) {
    const masked: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) masked[masker.mask(key)] = maskValue(item, masker);
    return masked;
  }
  return value;
}

/** Longest string kept of a result once masked (stdout of a chatty task); the rest is cut, and says so. */
export const MAX_EVENT_STRING_CHARS = 64 * 1024;

/** The event with each string cut to MAX_EVENT_STRING_CHARS: cut only after masking, so no secret's start is kept. */
export function boundAnsibleEvent<T extends AnsibleEvent>(event: T): T {
  return boundValue(event) as T;
}

function boundValue(value: unknown): unknown {
  if (typeof value === 'string') return value.length > MAX_EVENT_STRING_CHARS ? `${value.slice(0, MAX_EVENT_STRING_CHARS)} [truncated]` : value;
  if (Array.isArray(value)) return value.map(boundValue);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, boundValue(v)]));
  return value;
}
