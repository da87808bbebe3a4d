import type { Command } from 'commander';
// Types only (erased from the bundle): the API's contract.
import type { CatalogReloadApplied, CatalogReloadRefused } from '@slipway/contracts';
import { EXIT } from '../exit-codes.js';
import type { SlipwayHttp } from '../http.js';

/** The API's own budget for a reload (CATALOG_RELOAD_BUDGET_MS) and a little more. */
const RELOAD_TIMEOUT_MS = 95_000;
import { printJson } from '../output.js';
import type { GlobalOptions } from './command-context.js';

type Context = { http: () => SlipwayHttp; globals: () => GlobalOptions; setExitCode: (code: number) => void };

function list(names: string[]): string {
  return names.length > 0 ? names.join(', ') : '-';
}

export function registerCatalogCommands(program: Command, ctx: Context): void {
  const catalog = program.command('catalog').description('the catalog file the API and workers use');

  catalog
    .command('reload')
    .description('admin: re-read and validate the catalog file; applied only if all of it is valid (then workers re-read theirs). Exit 1 with every problem when not')
    .action(async () => {
      const { status, body } = await ctx.http().request<CatalogReloadApplied | CatalogReloadRefused>('POST', '/api/v1/catalog/reload', undefined, {}, { answers: [422], timeoutMs: RELOAD_TIMEOUT_MS });
      if (ctx.globals().json) printJson(body);
      if (status === 422 && body.result === 'refused') {
        ctx.setExitCode(EXIT.failed);
        if (ctx.globals().json) return;
        process.stderr.write(
          `slipway: catalog ${body.file} not reloaded (${body.problems.length} problem${body.problems.length === 1 ? '' : 's'}); the catalog loaded at ${body.loadedAt} stays in force:\n` +
            body.problems.map((p) => `  - ${p}\n`).join(''),
        );
        return;
      }
      if (ctx.globals().json || body.result !== 'applied') return;
      const workers = body.workersNotified === null ? `workers not told: ${body.workersProblem ?? 'Redis did not answer'}` : `${body.workersNotified} worker(s) told to re-read their copy`;
      process.stdout.write(
        [
          `catalog ${body.file} reloaded: ${body.templates.length} templates (${body.templates.join(', ')})`,
          `added    ${list(body.added)}`,
          `removed  ${list(body.removed)}`,
          `changed  ${list(body.changed)}`,
          workers,
        ].join('\n') + '\n',
      );
    });
}
