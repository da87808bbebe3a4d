import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { parse as parseYaml } from 'yaml';
import { CliError, EXIT, exitCodeForStatus } from '../exit-codes.js';
import { followRelease, type ReleaseStatusEvent } from '../follow.js';
import type { SlipwayHttp } from '../http.js';
import { forStderr, forStdout, note, printJson } from '../output.js';
import { duration, formatTable, localTime, pageSummary } from '../table.js';
import { coerceVar } from '../template-vars.js';
// The file itself, not @slipway/releases: its index pulls in Nest and TypeORM, which the CLI bundle does without.
import { FINAL_STATUSES } from '../../../../libs/releases/src/release-state.js';
import { WHAT_RAN_ROWS, whatRanText } from '../../../../libs/releases/src/what-ran.js';
import { type CommandContext, type ListPage, wholeNumber } from './command-context.js';
import { diffsText, failedHosts, fetchDiffs, fetchHosts, fetchResults, hostTable, resultsTable } from './release-results.js';
import { fetchTemplates } from './template.js';
// Types only (erased from the bundle, so zod is not in it): the API's contract.
import type { Release, ReleaseCommitView, ReleaseWhatRan } from '@slipway/contracts';

/** A release as the API answers it; what ran and its commit are absent from APIs older than those fields. */
type ReleaseJson = Omit<Release, keyof ReleaseWhatRan | keyof ReleaseCommitView> & Partial<ReleaseWhatRan & ReleaseCommitView>;

/** The revision rows of `release show` (git projects; none for a local-directory project or an older API). */
function commitRows(release: Partial<ReleaseCommitView>): [string, unknown][] {
  if (!release.commitSha) return [];
  return [
    ['commit', `${release.commitSha}${release.ref && release.ref !== release.commitSha ? ` (${release.ref})` : ''}`],
    ['commit url', release.commitUrl],
  ];
}

type Context = CommandContext;

function releaseId(value: string): number {
  if (!/^\d{1,10}$/.test(value)) throw new InvalidArgumentError('must be a release id (a whole number)');
  return Number(value);
}

export function keyValue(value: string, previous: [string, string][]): [string, string][] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  return [...previous, [value.slice(0, eq), value.slice(eq + 1)]];
}

/**
 * An unset CI variable (`--idempotency-key "$CI_PIPELINE_ID"`) must not silently mean "no key". A CliError,
 * not commander's InvalidArgumentError: that one is followed by the whole usage text, which buries the line.
 */
function idempotencyKey(value: string): string {
  if (value.trim() === '') throw new CliError('--idempotency-key must not be empty (is the variable that should hold it unset?)');
  return value;
}

function commaList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * `-e` values as the template declares them (`canary=25` → 25, `announce=false` → false, a list as
 * `a,b` or JSON). Without pairs nothing is fetched; an API without typed vars leaves them strings.
 */
export async function typedPairs(http: SlipwayHttp, template: string, pairs: [string, string][]): Promise<[string, unknown][]> {
  if (pairs.length === 0) return [];
  const declared = (await fetchTemplates(http)).find((t) => t.name === template)?.vars?.properties ?? {};
  return pairs.map(([key, raw]) => [key, coerceVar(key, raw, declared[key])]);
}

export async function extraVarsFrom(file: string | undefined, pairs: [string, unknown][]): Promise<Record<string, unknown> | undefined> {
  let vars: Record<string, unknown> = {};
  if (file) {
    let parsed: unknown;
    try {
      parsed = parseYaml(await readFile(file, 'utf8'));
    } catch (error) {
      throw new CliError(`--extra-vars-file ${file}: ${(error as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new CliError(`--extra-vars-file ${file}: must hold a YAML or JSON object (key: value)`);
    }
    vars = parsed as Record<string, unknown>;
  }
  // -e wins over the file, the way ansible-playbook's later -e wins.
  for (const [key, value] of pairs) vars[key] = value;
  return file || pairs.length > 0 ? vars : undefined;
}

function describe(release: ReleaseJson): string {
  const rows: [string, unknown][] = [
    ['id', release.id],
    ['template', release.template],
    ['inventory', release.inventory],
    ['status', release.status],
    ['waiting', release.waitingReason],
    ['exit code', release.exitCode],
    ['reason', release.reason],
    ['requested by', release.requestedBy],
    ['re-run of', release.rerunOf],
    ['approval', release.approval ? (release.status === 'awaiting-approval' ? approvalSummary(release).replace(/^awaits approval: /, '') : `${release.approval.approvedBy.length} of ${release.approval.required}${release.approval.approvedBy.length > 0 ? ` (${release.approval.approvedBy.join(', ')})` : ''}`) : null],
    ['preview', release.approval?.previewReleaseId ?? null],
    ['preview of', release.previewOf ?? null],
    ['worker', release.workerId],
    ...commitRows(release),
    ['created', release.createdAt],
    ['started', release.startedAt],
    ['finished', release.finishedAt],
  ];
  const shown = rows.filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k.padEnd(13)}${String(v)}`);
  return [...shown, '', ...whatRan(release)].join('\n');
}

/** The "What ran" section; a value not recorded (yet) says so rather than disappearing. */
function whatRan(release: ReleaseJson): string[] {
  const width = Math.max(...WHAT_RAN_ROWS.map((row) => row.label.length)) + 2;
  const rows = WHAT_RAN_ROWS.map((row) => `  ${row.label.padEnd(width)}${whatRanText(row, { argv: null, ansibleVersion: null, catalogDigest: null, ...release }) ?? '(not recorded)'}`);
  return ['what ran', ...rows];
}

/**
 * Streams the log to stdout (stderr with --json, which keeps stdout for the one JSON document) until
 * the release ends, and sets the exit code from its final status.
 */
async function waitFor(ctx: Context, id: number): Promise<void> {
  const http = ctx.http();
  const json = ctx.globals().json;
  let lastStatus = '';
  await sayWhatItAwaits(http, id);
  const stopCancellingOnCtrlC = cancelOnCtrlC(http, id);
  let final: ReleaseStatusEvent;
  try {
    final = await followRelease(http, id, {
      onLine: (text) => (json ? process.stderr.write(`${forStderr(text)}\n`) : process.stdout.write(`${forStdout(text)}\n`)),
      onStatus: (status: ReleaseStatusEvent) => {
        // The final status gets its own line below, with the exit code and reason.
        if ((FINAL_STATUSES as readonly string[]).includes(status.status)) return;
        const summary = `${status.status}${status.waitingReason ? ` (${status.waitingReason})` : ''}`;
        if (summary !== lastStatus) note(`release ${id} ${summary}`);
        lastStatus = summary;
      },
    });
  } finally {
    stopCancellingOnCtrlC();
  }
  if (json) printJson((await http.request<ReleaseJson>('GET', `/api/v1/releases/${id}`)).body);
  // The host summary ends the wait (issue 21), on stderr with the other notes: stdout stays exactly the
  // log (or the one JSON document). A host that failed or was unreachable fails the job, even when the
  // play went on without it.
  let failed: string[] = [];
  try {
    const hosts = await fetchHosts(http, id);
    process.stderr.write(`${forStderr(hostTable(hosts))}\n`);
    failed = failedHosts(hosts.hosts);
  } catch (error) {
    note(`release ${id}: no host summary (${(error as Error).message})`);
  }
  note(`release ${id} ${final.status}${final.exitCode !== null ? ` (ansible exit code ${final.exitCode})` : ''}${final.reason ? `: ${final.reason}` : ''}`);
  if (failed.length > 0) note(`release ${id}: ${failed.length} host(s) failed or unreachable: ${failed.join(', ')}`);
  ctx.setExitCode(Math.max(exitCodeForStatus(final.status), failed.length > 0 ? EXIT.failed : EXIT.succeeded));
}

/**
 * A release awaiting approval: what `--wait` waits for, and from whom (on stderr, with the other notes),
 * before it follows the release like any other (it ends rejected or expired: exit 4).
 */
async function sayWhatItAwaits(http: SlipwayHttp, id: number): Promise<void> {
  const { body } = await http.request<ReleaseJson>('GET', `/api/v1/releases/${id}`);
  const approval = body.approval;
  if (body.status !== 'awaiting-approval' || !approval) return;
  note(`release ${id} ${approvalSummary(body)}`);
  if (approval.previewReleaseId !== null) {
    note(`release ${id}: its check-mode preview is release ${approval.previewReleaseId} (slipway release show ${approval.previewReleaseId} --changed)`);
  }
}

/** "awaits approval: 1 of 2 approvals (from bob), may approve: carol, dave; expires at …". */
function approvalSummary(release: ReleaseJson): string {
  const approval = release.approval!;
  const given = approval.approvedBy.length;
  const from = given > 0 ? ` (from ${approval.approvedBy.join(', ')})` : '';
  const who = approval.mayApprove === undefined ? '' : approval.mayApprove.length > 0 ? `; may approve: ${approval.mayApprove.join(', ')}` : '; no one else may approve it now';
  const self = approval.allowSelfApproval ? '' : ` (not ${release.requestedBy}, who requested it)`;
  return `awaits approval: ${given} of ${approval.required} approval${approval.required === 1 ? '' : 's'}${from}${who}${who ? self : ''}; expires at ${localTime(approval.expiresAt)}`;
}

/** A terminal (and npx) may deliver one Ctrl-C twice within this; a later one is a real second press. */
const SAME_CTRL_C_MS = 1_000;

/**
 * While `--wait` follows a release, the first Ctrl-C cancels it through the API (ansible gets SIGINT, as
 * with `release cancel`) and the wait goes on until it has ended (exit 2); a second Ctrl-C stops waiting
 * and leaves the release stopping on its own. Returns the function that removes the handler.
 */
function cancelOnCtrlC(http: SlipwayHttp, id: number): () => void {
  let firstAt = 0;
  const onSigint = () => {
    if (firstAt === 0) {
      firstAt = Date.now();
      note(`Ctrl-C: cancelling release ${id} and waiting for it to stop (Ctrl-C again to stop waiting)`);
      http.request<ReleaseJson>('POST', `/api/v1/releases/${id}/cancel`).then(
        ({ status }) => note(status === 200 ? `release ${id} cancelled before it started` : `release ${id}: ansible is being stopped`),
        (error: unknown) => note(`could not cancel release ${id}: ${(error as Error).message}`),
      );
      return;
    }
    if (Date.now() - firstAt < SAME_CTRL_C_MS) return;
    note(`stopped waiting; release ${id} goes on stopping on its own (see \`slipway release show ${id}\`)`);
    process.exit(EXIT.stopped);
  };
  process.on('SIGINT', onSigint);
  return () => process.off('SIGINT', onSigint);
}

function announce(ctx: Context, release: ReleaseJson, verb: string): void {
  if (ctx.globals().json) printJson(release);
  else process.stdout.write(`release ${release.id} ${verb}: ${release.template} on ${release.inventory} (${release.status})\n`);
}

export function registerReleaseCommands(program: Command, ctx: Context): void {
  const release = program.command('release').description('start, watch, cancel and re-run releases');

  release
    .command('create')
    .description('start a release of a catalog template')
    .argument('<template>', 'template name from the catalog')
    .option('-i, --inventory <name>', "inventory (default: the template's first)")
    .option('-e, --extra-var <key=value>', 'extra var (repeatable); converted to the type the template declares (a list as a,b or JSON)', keyValue, [])
    .option('--extra-vars-file <file>', 'extra vars from a YAML or JSON file (-e wins per key)')
    .option('-l, --limit <pattern>', 'ansible --limit')
    .option('-t, --tags <tags>', 'ansible --tags, comma separated', commaList)
    .option('--skip-tags <tags>', 'ansible --skip-tags, comma separated', commaList)
    .option('-C, --check', 'a preview: ansible --check --diff, changes nothing (templates with checkMode: true)')
    .option('--run-at <time>', 'start no earlier than this ISO 8601 time')
    .option('--ref <ref>', "git projects: run this branch, tag or commit instead of the catalog's ref (templates with refOverride)")
    .option('-k, --idempotency-key <key>', 'retrying with the same key and options returns the first release (must not be empty)', idempotencyKey)
    .option('--override-freeze <reason>', 'admins: launch despite a freeze window in force, for this written reason (audited, shown on the release)')
    .option('-w, --wait', 'stream the log and exit 0 succeeded, 1 failed, 2 cancelled/interrupted, 3 error, 4 rejected/expired (a release awaiting approval: says from whom, and waits)')
    .action(async (template: string, options: {
      inventory?: string; extraVar: [string, string][]; extraVarsFile?: string; limit?: string; tags?: string[];
      skipTags?: string[]; check?: boolean; runAt?: string; ref?: string; idempotencyKey?: string; wait?: boolean; overrideFreeze?: string;
    }) => {
      const body = {
        template,
        ...(options.inventory ? { inventory: options.inventory } : {}),
        ...(await extraVarsFrom(options.extraVarsFile, await typedPairs(ctx.http(), template, options.extraVar)).then((v) => (v ? { extraVars: v } : {}))),
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
        ...(options.tags ? { tags: options.tags } : {}),
        ...(options.skipTags ? { skipTags: options.skipTags } : {}),
        ...(options.check ? { checkMode: true } : {}),
        ...(options.runAt ? { runAt: options.runAt } : {}),
        ...(options.ref !== undefined ? { ref: options.ref } : {}),
        ...(options.overrideFreeze !== undefined ? { overrideFreeze: options.overrideFreeze } : {}),
      };
      const headers = options.idempotencyKey !== undefined ? { 'idempotency-key': options.idempotencyKey } : undefined;
      const { status, body: created } = await ctx.http().request<ReleaseJson>('POST', '/api/v1/releases', body, headers);
      if (options.wait) {
        note(`release ${created.id} ${status === 200 ? 'already existed for this idempotency key' : 'created'}: ${created.template} on ${created.inventory}`);
        return waitFor(ctx, created.id);
      }
      announce(ctx, created, status === 200 ? 'already existed for this idempotency key' : 'created');
    });

  release
    .command('show')
    .description('one release')
    .argument('<id>', 'release id', releaseId)
    .option('--hosts', 'the host table: results by status per host, first failure, whether the events are complete')
    .option('--changed', 'the host results that changed something')
    .option('--failed', 'the host results that failed or were unreachable')
    .option('--diff', 'the unified diffs of the results that changed (in check mode: would change), masked')
    .action(async (id: number, options: { hosts?: boolean; changed?: boolean; failed?: boolean; diff?: boolean }) => {
      const http = ctx.http();
      const json = ctx.globals().json;
      if (options.hosts) {
        const hosts = await fetchHosts(http, id);
        if (json) printJson(hosts);
        else process.stdout.write(`${forStdout(hostTable(hosts))}\n`);
      }
      if (options.changed || options.failed) {
        const statuses = [...(options.changed ? ['changed'] : []), ...(options.failed ? ['failed', 'unreachable'] : [])];
        const { items, cut } = await fetchResults(http, id, statuses);
        if (json) printJson(items);
        else process.stdout.write(`${forStdout(resultsTable(items, cut))}\n`);
      }
      if (options.diff) {
        const found = await fetchDiffs(http, id);
        if (json) printJson(found);
        else {
          const { body: release } = await http.request<ReleaseJson>('GET', `/api/v1/releases/${id}`);
          process.stdout.write(`${forStdout(diffsText(found, release.checkMode))}\n`);
        }
      }
      if (options.hosts || options.changed || options.failed || options.diff) return;
      const { body } = await http.request<ReleaseJson>('GET', `/api/v1/releases/${id}`);
      if (json) printJson(body);
      else process.stdout.write(`${forStdout(describe(body))}\n`);
    });

  release
    .command('list')
    .description('releases, newest first, a page at a time')
    .option('-s, --status <status>', 'only this status')
    .option('--template <name>', 'only this template')
    .option('--requested-by <name>', 'only those this token name created')
    .option('-n, --limit <n>', 'how many', wholeNumber, '20')
    .option('-b, --before <id>', 'the page older than this release (the --before printed under the previous page)', wholeNumber)
    .action(async (options: { status?: string; template?: string; requestedBy?: string; limit: string; before?: string }) => {
      const query = new URLSearchParams({ limit: options.limit });
      if (options.before !== undefined) query.set('before', options.before);
      if (options.status) query.set('status', options.status);
      if (options.template) query.set('template', options.template);
      if (options.requestedBy) query.set('requestedBy', options.requestedBy);
      const { body } = await ctx.http().request<ListPage<ReleaseJson>>('GET', `/api/v1/releases?${query}`);
      if (ctx.globals().json) return printJson(body);
      const rows = body.items.map((r) => [
        String(r.id),
        r.status,
        r.template,
        r.inventory,
        r.requestedBy,
        localTime(r.startedAt),
        duration(r.startedAt, r.finishedAt),
      ]);
      process.stdout.write(`${formatTable(['id', 'status', 'template', 'inventory', 'requested by', 'started', 'duration'], rows)}\n`);
      process.stdout.write(`${pageSummary(body.items.length, body.nextBefore, options.before !== undefined)}\n`);
    });

  release
    .command('logs')
    .description('the log of a release')
    .argument('<id>', 'release id', releaseId)
    .option('-f, --follow', 'keep streaming until the release ends')
    .action(async (id: number, options: { follow?: boolean }) => {
      if (!options.follow) {
        const { text } = await ctx.http().request<string>('GET', `/api/v1/releases/${id}/log`);
        process.stdout.write(forStdout(text));
        return;
      }
      await followRelease(ctx.http(), id, { onLine: (text) => process.stdout.write(`${forStdout(text)}\n`) });
    });

  release
    .command('cancel')
    .description('cancel a queued release at once, or stop a running one')
    .argument('<id>', 'release id', releaseId)
    .option('-w, --wait', 'wait until it has stopped, then exit with its final status')
    .action(async (id: number, options: { wait?: boolean }) => {
      const { status, body } = await ctx.http().request<ReleaseJson>('POST', `/api/v1/releases/${id}/cancel`);
      if (!options.wait || status === 200) {
        announce(ctx, body, status === 200 ? 'cancelled' : 'is being stopped');
        return;
      }
      note(`release ${id} is being stopped`);
      await waitFor(ctx, id);
    });

  const decide = (what: 'approve' | 'reject') => async (id: number, options: { comment?: string; overrideFreeze?: string; wait?: boolean }) => {
    const body = { ...(options.comment !== undefined ? { comment: options.comment } : {}), ...(options.overrideFreeze !== undefined ? { overrideFreeze: options.overrideFreeze } : {}) };
    const { body: decided } = await ctx.http().request<ReleaseJson>('POST', `/api/v1/releases/${id}/${what}`, body);
    if (options.wait) {
      note(`release ${id} ${decided.status}`);
      return waitFor(ctx, id);
    }
    if (ctx.globals().json) return printJson(decided);
    const state = decided.status === 'awaiting-approval' && decided.approval ? approvalSummary(decided) : decided.status;
    process.stdout.write(`release ${id} ${what === 'approve' ? 'approved' : 'rejected'} by you: ${decided.template} on ${decided.inventory} ${state}\n`);
  };

  release
    .command('approve')
    .description('approve a release awaiting approval (role approver or admin; not your own unless its template allows it)')
    .argument('<id>', 'release id', releaseId)
    .option('-m, --comment <text>', 'why (optional)')
    .option('--override-freeze <reason>', 'admins: queue it despite a freeze window in force, for this written reason')
    .option('-w, --wait', 'then follow it like release create --wait')
    .action(decide('approve'));

  release
    .command('reject')
    .description('reject a release awaiting approval: it ends rejected and never runs')
    .argument('<id>', 'release id', releaseId)
    .requiredOption('-m, --comment <text>', 'why (required)')
    .action(decide('reject'));

  release
    .command('approvals')
    .description('releases waiting for your approval (--all: every release awaiting approval)')
    .option('--all', 'every release awaiting approval, with who may approve it')
    .action(async (options: { all?: boolean }) => {
      const { body } = await ctx.http().request<{ items: { release: ReleaseJson; mayApprove: string[] }[] }>('GET', `/api/v1/approvals?waitingFor=${options.all ? 'anyone' : 'me'}`);
      if (ctx.globals().json) return printJson(body);
      const rows = body.items.map(({ release: r, mayApprove }) => [
        String(r.id),
        r.template,
        r.inventory,
        r.requestedBy,
        `${r.approval?.approvedBy.length ?? 0}/${r.approval?.required ?? 0}`,
        mayApprove.join(', '),
        localTime(r.approval?.expiresAt ?? null),
      ]);
      process.stdout.write(`${formatTable(['id', 'template', 'inventory', 'requested by', 'approvals', 'may approve', 'expires'], rows)}\n`);
    });

  release
    .command('rerun')
    .description('start a new release with the same parameters as an earlier one')
    .argument('<id>', 'release id', releaseId)
    .option('--ref <ref>', "git projects: run this branch, tag or commit instead of the original's commit (templates with refOverride)")
    .option('--latest', "git projects: run the newest commit of the original's ref instead of the original's commit")
    .option('-w, --wait', 'stream the log and exit with the new release status')
    .action(async (id: number, options: { ref?: string; latest?: boolean; wait?: boolean }) => {
      if (options.ref !== undefined && options.latest) throw new CliError('give either --ref or --latest, not both');
      const choice = options.ref !== undefined ? { ref: options.ref } : options.latest ? { latest: true } : undefined;
      const { body } = await ctx.http().request<ReleaseJson>('POST', `/api/v1/releases/${id}/rerun`, choice);
      if (options.wait) {
        note(`release ${body.id} created as a re-run of ${id}`);
        return waitFor(ctx, body.id);
      }
      announce(ctx, body, `created as a re-run of ${id}`);
    });
}
