import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ApiToken, CreatedToken } from '@slipway/contracts';
import type { SlipwayHttp } from '../http.js';
import { note, printJson } from '../output.js';
import { formatTable, localTime } from '../table.js';
import type { GlobalOptions } from './command-context.js';


type Context = { http: () => SlipwayHttp; globals: () => GlobalOptions };

export function registerTokenCommands(program: Command, ctx: Context): void {
  const token = program.command('token').description('API tokens (admin)');

  token
    .command('create')
    .description('create a token; it is printed once and cannot be shown again')
    .requiredOption('--name <name>', 'who uses it (recorded as requestedBy and in the audit trail)')
    .addOption(new Option('--role <role>', 'what it may do').choices(['viewer', 'deployer', 'admin']).makeOptionMandatory())
    .action(async (options: { name: string; role: string }) => {
      const { body } = await ctx.http().request<CreatedToken>('POST', '/api/v1/tokens', { name: options.name, role: options.role });
      if (ctx.globals().json) return printJson(body);
      // stdout holds the token alone, so `TOKEN=$(slipway token create …)` works.
      process.stdout.write(`${body.token}\n`);
      note(`token ${body.id} "${body.name}" (${body.role}) created; store it now, it is not shown again`);
    });

  token
    .command('list')
    .description('all tokens (never their values)')
    .action(async () => {
      const { body } = await ctx.http().request<ApiToken[]>('GET', '/api/v1/tokens');
      if (ctx.globals().json) return printJson(body);
      const rows = body.map((t) => [String(t.id), t.name, t.role, t.revokedAt ? `revoked ${localTime(t.revokedAt)}` : 'active', t.createdBy, localTime(t.createdAt)]);
      process.stdout.write(`${formatTable(['id', 'name', 'role', 'status', 'created by', 'created'], rows)}\n`);
    });

  token
    .command('revoke')
    .description('revoke a token by id; it stops working at once')
    .argument('<id>', 'token id (see `slipway token list`)', (value: string) => {
      if (!/^\d{1,10}$/.test(value)) throw new InvalidArgumentError('must be a token id (a whole number)');
      return Number(value);
    })
    .action(async (id: number) => {
      const { body } = await ctx.http().request<ApiToken>('DELETE', `/api/v1/tokens/${id}`);
      if (ctx.globals().json) return printJson(body);
      process.stdout.write(`token ${body.id} "${body.name}" revoked\n`);
    });
}
