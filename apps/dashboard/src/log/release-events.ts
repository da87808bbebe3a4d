import type { Release } from '@slipway/contracts';

/** A run of consecutive log lines, numbered from `firstSeq`. */
export interface LogBatch {
  firstSeq: number;
  lines: string[];
}

/** `GET /releases/:id/events` sends one `log` event per line: id = its number, data = {"seq", "text"}. */
export function parseLogEvent(data: string): LogBatch | null {
  try {
    const line = JSON.parse(data) as { seq?: unknown; text?: unknown };
    if (typeof line.seq !== 'number' || typeof line.text !== 'string') return null;
    return { firstSeq: line.seq, lines: [line.text] };
  } catch {
    return null;
  }
}

/** The fields a `status` (or `end`) event carries: everything about a release that changes while it runs. */
export type StatusFields = Partial<
  Pick<Release, 'status' | 'waitingReason' | 'workerId' | 'exitCode' | 'reason' | 'cancelRequestedBy' | 'recap' | 'startedAt' | 'finishedAt' | 'argv' | 'ansibleVersion'>
>;

export function parseStatusEvent(data: string): StatusFields | null {
  try {
    const parsed = JSON.parse(data) as StatusFields;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.status === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

/** The release with a status event's fields applied (duration derived the way the API derives it). */
export function applyStatus(release: Release, fields: StatusFields): Release {
  const next = { ...release, ...fields };
  next.durationMs = next.startedAt && next.finishedAt ? new Date(next.finishedAt).getTime() - new Date(next.startedAt).getTime() : null;
  return next;
}
