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
 * registered var's stdout or a diff is stored, streamed and returned as "********". Copy on write: the
 * event itself when nothing in it was masked (the common case), since copying every event twice was a
 * third of the worker's garbage under an event flood.
 */
export function maskAnsibleEvent<T extends AnsibleEvent>(event: T, masker: SecretMasker): T {
  if (masker.empty) return event;
  return mapStrings(event, (text) => masker.mask(text), true) as T;
}

/** Longest string kept of a result once masked (stdout of a chatty task); the rest is cut, and says so. */
export const MAX_EVENT_STRING_CHARS = 64 * 1024;

/** The event with each string cut to MAX_EVENT_STRING_CHARS: cut only after masking, so no secret's start is kept. */
export function boundAnsibleEvent<T extends AnsibleEvent>(event: T): T {
  return mapStrings(event, cutString, false) as T;
}

function cutString(text: string): string {
  return text.length > MAX_EVENT_STRING_CHARS ? `${text.slice(0, MAX_EVENT_STRING_CHARS)} [truncated]` : text;
}

/**
 * `value` with `map` applied to every string in it (and to object keys when `keys`), copying only the
 * arrays and objects on the way to a string that changed: unchanged parts are shared, unchanged `value`
 * is returned as it is.
 */
function mapStrings(value: unknown, map: (text: string) => string, keys: boolean): unknown {
  if (typeof value === 'string') return map(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      const mapped = mapStrings(item, map, keys);
      if (mapped !== item) (copy ??= value.slice())[index] = mapped;
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  // The entries so far, once one has changed: built with Object.fromEntries so that a key such as
  // "__proto__" (a host may be called that) stays an own key, as JSON.parse made it.
  let entries: [string, unknown][] | null = null;
  let index = 0;
  for (const key in record) {
    const item = record[key];
    const mapped = mapStrings(item, map, keys);
    const mappedKey = keys ? map(key) : key;
    if (entries === null && (mapped !== item || mappedKey !== key)) entries = Object.entries(record).slice(0, index);
    entries?.push([mappedKey, mapped]);
    index++;
  }
  return entries ? Object.fromEntries(entries) : value;
}

/**
 * What the worker keeps of an event until it is stored: every field but the bulky ones (a result, its diff,
 * a loop item, the stats' hosts), which are in its JSON. These are the columns and the live stream's fields.
 * Keeping only this lets the parsed event die young: under a flood, parsed events waiting for the DB were
 * promoted to V8's old generation and collecting them was most of the worker's time.
 */
export type AnsibleEventHead = AnsibleEvent extends infer E ? (E extends AnsibleEvent ? Omit<E, 'result' | 'diff' | 'item' | 'hosts'> : never) : never;

/** An event as the worker stores it: its head, and the JSON of the whole event, masked and bounded. */
export interface StorableAnsibleEvent {
  head: AnsibleEventHead;
  json: string;
}

/**
 * The plugin's line `line`, parsed as `parsed`, made storable: masked, bounded, and its JSON. When neither
 * changed anything the JSON is the line itself, not a new serialisation (a flood's second copy of every
 * event). Only when the line holds no secret in any printed form either: JSON.parse keeps the last of two
 * equal keys, so a value it dropped was never masked and must not reach the DB with the line.
 */
export function storableAnsibleEvent(parsed: AnsibleEvent, line: string, masker: SecretMasker): StorableAnsibleEvent {
  const masked = maskAnsibleEvent(parsed, masker);
  // A string of the event is never longer than the line that holds it in JSON: a short line needs no cut.
  const event = line.length > MAX_EVENT_STRING_CHARS ? boundAnsibleEvent(masked) : masked;
  const lineIsTheEvent = event === parsed && (masker.empty || masker.coverage(line) === null);
  return { head: headOf(event), json: lineIsTheEvent ? line : JSON.stringify(event) };
}

/** An event built by hand (the medium tests) as storable: its JSON is its serialisation, unmasked. */
export function storableOf(event: AnsibleEvent): StorableAnsibleEvent {
  return { head: headOf(event), json: JSON.stringify(event) };
}

function headOf(event: AnsibleEvent): AnsibleEventHead {
  const { v, seq, t } = event;
  switch (event.type) {
    case 'playbook_start':
      return { v, seq, t, type: event.type, playbook: event.playbook };
    case 'play_start':
      return { v, seq, t, type: event.type, play: event.play, playId: event.playId, check: event.check, diffMode: event.diffMode };
    case 'task_start':
      return { v, seq, t, type: event.type, taskId: event.taskId, task: event.task, action: event.action, path: event.path, tags: event.tags, handler: event.handler };
    case 'host_result':
    case 'item_result': {
      const head: AnsibleEventHead = {
        v, seq, t, type: event.type, taskId: event.taskId, task: event.task, host: event.host, status: event.status, changed: event.changed,
        durationMs: event.durationMs, delegateTo: event.delegateTo, noLog: event.noLog,
      };
      if (event.items !== undefined) head.items = event.items;
      return head;
    }
    case 'stats':
      return { v, seq, t, type: event.type, notKept: event.notKept };
  }
}
