import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import type { GridCell, GridTask, ResultsGridModel } from './grid-model';
import { STATUS_LETTER, statusLabel } from './grid-model';

const ROW_HEIGHT = 28;
const COL_WIDTH = 34;
const HOST_WIDTH = 220;
const HEADER_HEIGHT = 150;

export interface ResultsGridProps {
  model: ResultsGridModel;
  hosts: string[];
  tasks: GridTask[];
  checkMode: boolean;
  onOpen: (host: string, task: GridTask, cell: GridCell) => void;
}

/**
 * Hosts as rows, tasks as columns; only the rows and columns in view are in the DOM (both axes virtualized),
 * so 500 × 100 costs what a screenful costs. An ARIA grid: one cell is in the tab order and the arrow keys,
 * Home/End and Page Up/Down move it; Enter or a click opens its result.
 */
export function ResultsGrid({ model, hosts, tasks, checkMode, onOpen }: ResultsGridProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState<{ host: string; taskId: string } | null>(null);
  const focusWanted = useRef(false);

  const rows = useVirtualizer({
    count: hosts.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    paddingStart: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    overscan: 10,
    useFlushSync: false,
  });
  const cols = useVirtualizer({
    horizontal: true,
    count: tasks.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => COL_WIDTH,
    paddingStart: HOST_WIDTH,
    scrollPaddingStart: HOST_WIDTH,
    overscan: 5,
    useFlushSync: false,
  });

  // The active cell by host and task, so new rows or a filter do not move it; the first cell when it is gone.
  let rowIndex = active ? hosts.indexOf(active.host) : -1;
  let colIndex = active ? tasks.findIndex((t) => t.taskId === active.taskId) : -1;
  if (rowIndex < 0 || colIndex < 0) {
    rowIndex = 0;
    colIndex = 0;
  }

  useEffect(() => {
    if (!focusWanted.current) return;
    const element = scrollRef.current?.querySelector<HTMLElement>(`[data-row="${rowIndex}"][data-col="${colIndex}"]`);
    if (element) {
      focusWanted.current = false;
      element.focus({ preventScroll: true });
    }
  });

  function moveTo(row: number, col: number): void {
    const r = Math.max(0, Math.min(hosts.length - 1, row));
    const c = Math.max(0, Math.min(tasks.length - 1, col));
    if (r < 0 || c < 0) return;
    focusWanted.current = true;
    setActive({ host: hosts[r], taskId: tasks[c].taskId });
    rows.scrollToIndex(r, { align: 'auto' });
    cols.scrollToIndex(c, { align: 'auto' });
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    const target = event.target as HTMLElement;
    if (target.dataset.row === undefined) return;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 300) / ROW_HEIGHT) - 6);
    const moves: Record<string, [number, number]> = {
      ArrowDown: [rowIndex + 1, colIndex],
      ArrowUp: [rowIndex - 1, colIndex],
      ArrowRight: [rowIndex, colIndex + 1],
      ArrowLeft: [rowIndex, colIndex - 1],
      PageDown: [rowIndex + page, colIndex],
      PageUp: [rowIndex - page, colIndex],
      Home: event.ctrlKey ? [0, 0] : [rowIndex, 0],
      End: event.ctrlKey ? [hosts.length - 1, tasks.length - 1] : [rowIndex, tasks.length - 1],
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      moveTo(move[0], move[1]);
    } else if (event.key === 'Enter' || event.key === ' ') {
      const cell = model.cell(hosts[rowIndex], tasks[colIndex].taskId);
      if (cell) {
        event.preventDefault();
        onOpen(hosts[rowIndex], tasks[colIndex], cell);
      }
    }
  }

  if (hosts.length === 0 || tasks.length === 0) return null;
  const width = cols.getTotalSize();
  const virtualCols = cols.getVirtualItems();
  const virtualRows = rows.getVirtualItems();
  // The active cell scrolled out of the DOM: the first one shown takes its place in the tab order.
  const activeShown = virtualRows.some((r) => r.index === rowIndex) && virtualCols.some((c) => c.index === colIndex);
  const tabRow = activeShown ? rowIndex : (virtualRows[0]?.index ?? 0);
  const tabCol = activeShown ? colIndex : (virtualCols[0]?.index ?? 0);

  return (
    <div
      ref={scrollRef}
      className="results-grid"
      role="grid"
      aria-label="Results by host and task"
      aria-rowcount={hosts.length + 1}
      aria-colcount={tasks.length + 1}
      onKeyDown={onKeyDown}
      data-testid="results-grid"
    >
      <div role="presentation" className="results-sizer" style={{ height: rows.getTotalSize(), width }}>
        <div role="rowgroup" className="results-head" style={{ height: HEADER_HEIGHT, width }}>
          <div role="row" aria-rowindex={1} className="results-row" style={{ height: HEADER_HEIGHT, width }}>
            <div role="columnheader" aria-colindex={1} className="results-corner" style={{ width: HOST_WIDTH, height: HEADER_HEIGHT }}>
              Host
            </div>
            {virtualCols.map((col) => {
              const task = tasks[col.index];
              return (
                <div
                  key={task.taskId}
                  role="columnheader"
                  aria-colindex={col.index + 2}
                  className="results-task"
                  title={task.task}
                  style={{ left: col.start, width: COL_WIDTH, height: HEADER_HEIGHT }}
                >
                  <span className="results-task-name">
                    {task.handler ? 'handler: ' : ''}
                    {task.task}
                  </span>
                </div>
              );
            })}
          </div>
        </div>
        <div role="rowgroup">
          {virtualRows.map((row) => {
            const host = hosts[row.index];
            return (
              <div
                key={host}
                role="row"
                aria-rowindex={row.index + 2}
                className="results-row"
                style={{ position: 'absolute', top: row.start, height: ROW_HEIGHT, width }}
                data-host={host}
              >
                <div role="rowheader" aria-colindex={1} className="results-host" style={{ width: HOST_WIDTH }} title={host}>
                  {host}
                </div>
                {virtualCols.map((col) => {
                  const task = tasks[col.index];
                  const cell = model.cell(host, task.taskId);
                  const label = statusLabel(cell, checkMode);
                  const isActive = row.index === rowIndex && col.index === colIndex;
                  const inTabOrder = row.index === tabRow && col.index === tabCol;
                  return (
                    <div
                      key={task.taskId}
                      role="gridcell"
                      aria-colindex={col.index + 2}
                      aria-label={label}
                      title={`${host} · ${task.task}: ${label}`}
                      tabIndex={inTabOrder ? 0 : -1}
                      data-row={row.index}
                      data-col={col.index}
                      data-task-id={task.taskId}
                      data-status={cell?.status ?? ''}
                      className={`results-cell ${cell ? `rc-${cell.status}` : 'rc-none'}${cell?.changed && cell.status !== 'changed' ? ' rc-changed-too' : ''}`}
                      style={{ left: col.start, width: COL_WIDTH, height: ROW_HEIGHT }}
                      onFocus={() => {
                        if (!isActive) setActive({ host, taskId: task.taskId });
                      }}
                      onClick={() => {
                        setActive({ host, taskId: task.taskId });
                        if (cell) onOpen(host, task, cell);
                      }}
                    >
                      <span aria-hidden="true">{cell ? STATUS_LETTER[cell.status] : '·'}</span>
                    </div>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
