import { Command, CommanderError } from 'commander';
// Inlined by the bundler: `slipway --version` is the checkout's version, wherever the bundle is run from.
import packageJson from '../../../package.json' with { type: 'json' };
import type { GlobalOptions } from './commands/command-context.js';
import { registerReleaseCommands } from './commands/release.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerCatalogCommands } from './commands/catalog.js';
import { registerDnsCommands } from './commands/dns.js';
import { registerTemplateCommands } from './commands/template.js';
import { registerTokenCommands } from './commands/token.js';
import { registerScheduleCommands } from './commands/schedule.js';
import { registerFreezeCommands } from './commands/freeze.js';
import { registerWebhookCommands } from './commands/webhook.js';
import { CliError, EXIT } from './exit-codes.js';
import { SlipwayHttp } from './http.js';

/**
 * `slipway`: the CI pipelines' and ops' command line. Talks to the API at SLIPWAY_URL with SLIPWAY_TOKEN.
 * Exit codes: 0 succeeded, 1 failed, 2 cancelled or interrupted (with --wait), 3 usage/auth/connection error.
 */
async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.succeeded;
  const program = new Command('slipway')
    .description('Slipway release orchestrator: start releases, follow their logs, cancel, re-run, read templates and the audit trail, manage tokens and webhooks, reload the catalog.\nEnvironment: SLIPWAY_URL (default http://127.0.0.1:3000), SLIPWAY_TOKEN.')
    .version(packageJson.version, '-V, --version', 'the version of this Slipway checkout')
    .option('--json', 'machine-readable output on stdout')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  let http: SlipwayHttp | null = null;
  const ctx = {
    http: () => (http ??= SlipwayHttp.fromEnvironment()),
    globals: () => program.opts<GlobalOptions>(),
    setExitCode: (code: number) => {
      exitCode = code;
    },
  };
  registerReleaseCommands(program, ctx);
  registerTokenCommands(program, ctx);
  registerTemplateCommands(program, ctx);
  registerAuditCommands(program, ctx);
  registerCatalogCommands(program, ctx);
  registerScheduleCommands(program, ctx);
  registerFreezeCommands(program, ctx);
  registerDnsCommands(program, ctx);
  registerWebhookCommands(program, ctx);
  for (const command of program.commands) command.exitOverride();
  for (const command of program.commands.flatMap((c) => c.commands)) command.exitOverride();
  for (const command of program.commands.flatMap((c) => c.commands).flatMap((c) => c.commands)) command.exitOverride();

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? EXIT.succeeded : EXIT.error;
    }
    if (error instanceof CliError) {
      process.stderr.write(`slipway: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`slipway: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.error;
  }
}

void main(process.argv).then((code) => {
  process.exitCode = code;
});
