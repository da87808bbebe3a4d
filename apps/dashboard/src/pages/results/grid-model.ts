import type { AnsibleEventSummary, HostResultStatus, ReleaseStreamHostResultEvent, ReleaseStreamTaskEvent } from '@slipway/contracts';
import { HOST_RESULT_STATUSES } from '@slipway/contracts/enums';

/** Every status has a letter of its own, so the grid never tells them apart by colour alone. */
export const STATUS_LETTER: Record<HostResultStatus, string> = {
  ok: 'O',
  changed: 'C',
  failed: 'F',
  skipped: 'S',
  unreachable: 'U',
  ignored: 'I',
  rescued: 'R',
};

export type GridFilter = 'all' | 'changed' | 'failed';

export interface GridTask {
  taskId: string;
  task: string;
  handler: boolean;
  /** Sequence number of its start (or of its first result, when the start was not seen): the column order. */
  firstSeq: number;
}

export interface GridCell {
  seq: number;
  status: HostResultStatus;
  changed: boolean;
  durationMs: number | null;
}

export type HostCounts = Record<HostResultStatus, number>;

interface HostRow {
  host: string;
  firstSeq: number;
  counts: HostCounts;
  cells: Map<string, GridCell>;
}

const emptyCounts = (): HostCounts => Object.fromEntries(HOST_RESULT_STATUSES.map((s) => [s, 0])) as HostCounts;

/**
 * The host × task grid of one release, built from host results in any order and any number of times: the
 * stored ones read newest first from GET /ansible-events and the live ones from the stream overlap, so every
 * result is placed by its sequence number and counted once. A loop's item results are left out: the task's
 * own host result (which follows them) is the cell.
 */
export class ResultsGridModel {
  private readonly tasks = new Map<string, GridTask>();
  private readonly hosts = new Map<string, HostRow>();
  private readonly seen = new Set<number>();
  private sortedHosts: string[] | null = null;
  private sortedTasks: GridTask[] | null = null;
  /** Grows on every change: a cheap "render again" signal for React. */
  version = 0;

  applyTask(event: Pick<ReleaseStreamTaskEvent, 'seq' | 'taskId' | 'task' | 'handler'>): void {
    const known = this.tasks.get(event.taskId);
    if (known && known.firstSeq <= event.seq) return;
    this.tasks.set(event.taskId, { taskId: event.taskId, task: event.task, handler: event.handler, firstSeq: event.seq });
    this.sortedTasks = null;
    this.version++;
  }

  applyHostResult(event: ReleaseStreamHostResultEvent): void {
    if (event.item) return;
    this.place(event.seq, event.host, event.taskId, event.task, { seq: event.seq, status: event.status, changed: event.changed, durationMs: event.durationMs });
  }

  /** A stored event from GET /ansible-events (only host results make a cell). */
  applyListed(event: AnsibleEventSummary): void {
    if (event.type !== 'host_result' || event.host === null || event.taskId === null || event.status === null) return;
    this.place(event.seq, event.host, event.taskId, event.task ?? event.taskId, { seq: event.seq, status: event.status, changed: event.changed, durationMs: event.durationMs });
  }

  private place(seq: number, host: string, taskId: string, taskName: string, cell: GridCell): void {
    if (this.seen.has(seq)) return;
    this.seen.add(seq);
    if (!this.tasks.has(taskId)) this.applyTask({ seq, taskId, task: taskName, handler: false });
    let row = this.hosts.get(host);
    if (!row) {
      row = { host, firstSeq: seq, counts: emptyCounts(), cells: new Map() };
      this.hosts.set(host, row);
      this.sortedHosts = null;
    } else if (seq < row.firstSeq) {
      row.firstSeq = seq;
      this.sortedHosts = null;
    }
    row.counts[cell.status]++;
    const previous = row.cells.get(taskId);
    // A task that ran twice on a host (an include in a loop): the cell shows its latest result.
    if (!previous || previous.seq < seq) row.cells.set(taskId, cell);
    this.version++;
  }

  cell(host: string, taskId: string): GridCell | undefined {
    return this.hosts.get(host)?.cells.get(taskId);
  }

  /** Host results by status, one status each (the recap's `changed` also counts ignored failures that changed). */
  summary(host: string): HostCounts {
    return { ...(this.hosts.get(host)?.counts ?? emptyCounts()) };
  }

  /** "changed only": a result that changed something; "failed only": failed or unreachable (an ignored failure is not). */
  matches(cell: GridCell | undefined, filter: GridFilter): boolean {
    if (!cell) return false;
    if (filter === 'all') return true;
    if (filter === 'changed') return cell.changed || cell.status === 'changed';
    return cell.status === 'failed' || cell.status === 'unreachable';
  }

  /** The rows and columns to show: with a filter, only the hosts and tasks that have a matching result. */
  view(filter: GridFilter): { hosts: string[]; tasks: GridTask[] } {
    this.sortedHosts ??= [...this.hosts.values()].sort((a, b) => a.firstSeq - b.firstSeq).map((r) => r.host);
    this.sortedTasks ??= [...this.tasks.values()].sort((a, b) => a.firstSeq - b.firstSeq);
    if (filter === 'all') return { hosts: this.sortedHosts, tasks: this.sortedTasks };
    const taskIds = new Set<string>();
    const hosts = this.sortedHosts.filter((host) => {
      let any = false;
      for (const [taskId, cell] of this.hosts.get(host)!.cells) {
        if (this.matches(cell, filter)) {
          taskIds.add(taskId);
          any = true;
        }
      }
      return any;
    });
    return { hosts, tasks: this.sortedTasks.filter((t) => taskIds.has(t.taskId)) };
  }
}

export type ParsedStreamEvent = ReleaseStreamTaskEvent | ReleaseStreamHostResultEvent | { type: 'events-complete'; seq: number };

/** The stream's `task`, `host-result` and `events-complete` events, or null for anything malformed. */
export function parseStreamEvent(name: string, data: string): ParsedStreamEvent | null {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(data) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || typeof value.seq !== 'number') return null;
  if (name === 'task' && typeof value.taskId === 'string' && typeof value.task === 'string') {
    return { ...(value as ReleaseStreamTaskEvent), type: 'task', handler: value.handler === true };
  }
  if (
    name === 'host-result' &&
    typeof value.host === 'string' &&
    typeof value.taskId === 'string' &&
    (HOST_RESULT_STATUSES as readonly unknown[]).includes(value.status)
  ) {
    return {
      ...(value as ReleaseStreamHostResultEvent),
      type: 'host-result',
      task: typeof value.task === 'string' ? value.task : value.taskId,
      changed: value.changed === true,
      item: value.item === true,
      durationMs: typeof value.durationMs === 'number' ? value.durationMs : null,
    };
  }
  if (name === 'events-complete') return { type: 'events-complete', seq: value.seq };
  return null;
}

/** A host's overall status from its counts, as the API derives it: the worst of its results. */
export function hostStatus(counts: HostCounts): 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped' {
  if (counts.unreachable > 0) return 'unreachable';
  if (counts.failed > 0) return 'failed';
  if (counts.changed > 0) return 'changed';
  if (counts.ok + counts.ignored + counts.rescued > 0) return 'ok';
  return 'skipped';
}

/** How a cell reads to a screen reader and in its tooltip; "would change" in check mode (a preview). */
export function statusLabel(cell: GridCell | undefined, checkMode: boolean): string {
  if (!cell) return 'no result';
  if (checkMode && (cell.status === 'changed' || (cell.changed && cell.status === 'ok'))) return 'would change';
  return cell.changed && cell.status !== 'changed' ? `${cell.status}, changed` : cell.status;
}
