import type { Page } from 'playwright-core';
import { HOST_RESULT_STATUSES, type AnsibleEventSummary, type ReleaseEventsState, type TaskSummary } from '../../libs/contracts/src/index.js';
import { launchBrowser, signInWithToken } from '../../test/support/browser.js';
import { type BenchResult, machineInfo, runInfo } from '../lib/report.js';
import { Stack } from '../lib/stack.js';
import { distribution, nowMs, round } from '../lib/stats.js';

export interface ResultsGridOptions {
  hosts: number;
  tasks: number;
  rounds: number;
}

const PAGE = 500;

/** hosts × tasks host results, seq 1… in the order ansible would raise them (task by task), mostly ok, some changed, a few failed. */
function synthetic(hosts: number, tasks: number): { tasks: TaskSummary[]; results: AnsibleEventSummary[] } {
  // seq 1 is the playbook start, as in a real run.
  const taskRows: TaskSummary[] = [];
  const results: AnsibleEventSummary[] = [];
  const zero = Object.fromEntries(HOST_RESULT_STATUSES.map((s) => [s, 0])) as TaskSummary['counts'];
  let seq = 1;
  for (let t = 0; t < tasks; t++) {
    const taskId = `task-${t}`;
    taskRows.push({ taskId, task: `bench task number ${t}`, action: 'debug', path: `bench.yml:${t + 1}`, handler: false, firstSeq: ++seq, counts: zero, durationMs: 5 });
    for (let h = 0; h < hosts; h++) {
      const status = (h * 7 + t) % 23 === 0 ? 'failed' : (h + t) % 5 === 0 ? 'changed' : (h + t) % 11 === 0 ? 'skipped' : 'ok';
      seq++;
      results.push({ id: seq, seq, type: 'host_result', emittedAt: '2030-01-01T00:00:00.000Z', taskId, task: `bench task number ${t}`, host: `host-${String(h).padStart(4, '0')}.bench.example`, status, changed: status === 'changed', durationMs: 5 });
    }
  }
  return { tasks: taskRows, results: results.reverse() }; // newest first, like the API
}

/**
 * The release page's Results tab in Chromium at hosts × tasks (issue 21 target: first render ≤ 1 s at
 * 500 × 100). The release is real (the API serves the page, the release and its stream); its /tasks and
 * /ansible-events answers are served by the bench from memory (page.route), so the figure is the dashboard's
 * own cost — parsing 100 pages of 500 results, building the grid, rendering it — not the database's.
 */
export async function benchResultsGrid(options: ResultsGridOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const machine = machineInfo();
  const stack = await Stack.start({ name: 'results-grid', workers: 0 });
  const browser = await launchBrowser();
  const firstRenderMs: number[] = [];
  const allReadMs: number[] = [];
  const filterMs: number[] = [];
  const lastCellMs: number[] = [];
  let domCells = 0;
  try {
    // No worker: the release stays queued, its page (and live stream) open as for a release about to run.
    const release = await stack.client.createRelease({ template: 'hello' });
    const data = synthetic(options.hosts, options.tasks);
    const events: ReleaseEventsState = { state: 'complete', stored: data.results.length + data.tasks.length + 1, nextSeq: data.results.length + data.tasks.length + 2, notKept: 0 };
    const page: Page = await browser.newPage();
    await page.route(`**/api/v1/releases/${release.id}/tasks`, (route) => route.fulfill({ json: { events, tasks: data.tasks } }));
    const oldestFirst = [...data.results].reverse();
    await page.route(`**/api/v1/releases/${release.id}/ansible-events?*`, (route) => {
      // As the API answers ?after=: the page just newer than the cursor, listed newest first.
      const after = Number(new URL(route.request().url()).searchParams.get('after') ?? 0);
      const start = oldestFirst.findIndex((r) => r.seq > after);
      const items = start < 0 ? [] : oldestFirst.slice(start, start + PAGE).reverse();
      const newer = start >= 0 && start + PAGE < oldestFirst.length;
      return route.fulfill({ json: { items, more: items.length > 0, nextBefore: items.at(-1)?.seq ?? null, prevAfter: newer ? items[0].seq : null } });
    });
    await signInWithToken(page, stack.api.url, stack.env.bootstrapToken);
    const expected = `${options.hosts} of ${options.hosts} hosts, ${options.tasks} tasks`;
    for (let round = 0; round < options.rounds; round++) {
      await page.goto(`${stack.api.url}/releases/${release.id}`);
      const tab = page.getByRole('tab', { name: 'Results' });
      await tab.waitFor();
      const t0 = nowMs();
      await tab.click();
      await page.locator('[role=gridcell][data-status="ok"]').first().waitFor({ timeout: 60_000 });
      firstRenderMs.push(nowMs() - t0);
      await page.locator('[data-testid=results-count][data-loading=false]').getByText(expected).waitFor({ timeout: 60_000 });
      allReadMs.push(nowMs() - t0);
      domCells = await page.locator('[role=gridcell]').count();
      // The keyboard reaches every cell, rendered or not: Ctrl+End from the first to the last.
      const t2 = nowMs();
      await page.locator('[role=gridcell][tabindex="0"]').focus();
      await page.keyboard.press('Control+End');
      const last = `[role=gridcell][data-row="${options.hosts - 1}"][data-col="${options.tasks - 1}"]`;
      await page.waitForFunction((selector) => document.activeElement?.matches(selector) === true, last, { timeout: 30_000 });
      lastCellMs.push(nowMs() - t2);
      const t1 = nowMs();
      await page.getByLabel('Changed only').check();
      await page.getByTestId('results-count').getByText('(changed only)').waitFor();
      filterMs.push(nowMs() - t1);
    }
  } finally {
    await browser.close();
    await stack.close().catch(() => undefined);
  }
  const median = (values: number[]) => round(distribution(values).p50, 0);
  const size = `${options.hosts} × ${options.tasks}`;
  return {
    bench: 'results-grid',
    title: `Dashboard: the results grid at ${size} in Chromium`,
    ...(await runInfo(startedAt, machine, { versions: async () => ({}) })),
    settings: { ...options },
    figures: [
      { figure: `first render at ${size} (tab click → first cells shown)`, unit: 'ms', value: median(firstRenderMs), target: '≤ 1000 ms', met: median(firstRenderMs) <= 1000 },
      { figure: `all ${options.hosts * options.tasks} results read and shown (${Math.ceil((options.hosts * options.tasks) / PAGE)} pages of ${PAGE})`, unit: 'ms', value: median(allReadMs), target: 'context', met: null },
      { figure: `Ctrl+End: focus from the first cell to the last`, unit: 'ms', value: median(lastCellMs), target: 'context', met: null },
      { figure: `"changed only" filter at ${size}`, unit: 'ms', value: median(filterMs), target: 'context', met: null },
      { figure: `grid cells in the DOM (of ${options.hosts * options.tasks}): virtualized`, unit: 'cells', value: domCells, target: 'context', met: null },
    ],
  };
}
