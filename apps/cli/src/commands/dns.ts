import { readFile } from 'node:fs/promises';
import { Argument, type Command, InvalidArgumentError, Option } from 'commander';
import { DNS_RECORD_TYPES, type DnsRecord, type DnsZone } from '@slipway/contracts';
import { CliError, EXIT } from '../exit-codes.js';
import { type SlipwayHttp, apiMessage } from '../http.js';
import { note, printJson } from '../output.js';
import { formatTable, localTime } from '../table.js';
import { type CommandContext, wholeNumber } from './command-context.js';

/** Statuses that mean "Slipway refused this change" (exit 1), not "could not ask" (exit 3). */
const REFUSALS = [400, 404, 409, 412];
const WAIT_MS = 120_000;

const recordId = (value: string) => {
  if (!/^\d{1,10}$/.test(value)) throw new InvalidArgumentError('must be a record id (see `slipway dns record list ZONE`)');
  return Number(value);
};

const zonePath = (zone: string) => `/api/v1/dns/zones/${encodeURIComponent(zone)}`;

/** A request whose refusal by the API exits 1 with the API's message (which names the field). */
async function change<T>(http: SlipwayHttp, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const answer = await http.request<T>(method, path, body, headers, { answers: REFUSALS });
  if (REFUSALS.includes(answer.status)) throw new CliError(`${method} ${path}: ${answer.status} ${apiMessage(answer.body, answer.text)}`, EXIT.failed);
  return answer.body;
}

/** --wait: until named's file holds every change made so far; a render the checker refused exits 1. */
async function waitServed(http: SlipwayHttp, zone: string): Promise<void> {
  const { body: start } = await http.request<DnsZone>('GET', zonePath(zone));
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const { body } = await http.request<DnsZone>('GET', zonePath(zone));
    if (body.renderedVersion !== null && body.renderedVersion >= start.version && body.renderStatus === 'rendered') return note(`zone ${zone} served with serial ${body.serial}`);
    if (body.renderStatus === 'failed' || body.renderStatus === 'reload-failed') throw new CliError(`zone ${zone}: render ${body.renderStatus}: ${body.renderMessage}`, EXIT.failed);
    if (Date.now() > deadline) throw new CliError(`zone ${zone}: not rendered within ${WAIT_MS / 1000} s`, EXIT.failed);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const recordRow = (r: DnsRecord) => [String(r.id), r.name, String(r.ttl), r.type, r.value.length > 80 ? `${r.value.slice(0, 77)}...` : r.value, String(r.version)];

export function registerDnsCommands(program: Command, ctx: CommandContext): void {
  const dns = program.command('dns').description('DNS zones and records (exit 0 done, 1 refused or render failed, 3 usage/auth/connection)');
  const zone = dns.command('zone').description('DNS zones');
  zone
    .command('list')
    .description('every zone and where its rendering stands')
    .action(async () => {
      const { body } = await ctx.http().request<DnsZone[]>('GET', '/api/v1/dns/zones');
      if (ctx.globals().json) return printJson(body);
      const rows = body.map((z) => [z.name, z.renderStatus, String(z.serial ?? '-'), `${z.renderedVersion ?? '-'}/${z.version}`, localTime(z.renderedAt), z.renderMessage ?? '']);
      process.stdout.write(`${formatTable(['zone', 'render', 'serial', 'served/version', 'rendered', 'message'], rows)}\n`);
    });

  zone
    .command('export')
    .argument('<zone>')
    .description('the zone as a BIND master file on stdout, from what Slipway holds now')
    .action(async (zoneName: string) => {
      const { text } = await ctx.http().request<string>('GET', `${zonePath(zoneName)}/file`);
      process.stdout.write(text);
    });

  zone
    .command('import')
    .argument('<zone>')
    .argument('<file>', 'a BIND master file ("-" for stdin)')
    .description("replace the zone's records with the file's, all or nothing (its SOA is ignored)")
    .option('--wait', 'wait until named serves them')
    .action(async (zoneName: string, file: string, options: { wait?: boolean }) => {
      const zoneFile = file === '-' ? await readStdin() : await readFile(file, 'utf8').catch((error: Error) => {
        throw new CliError(`cannot read ${file}: ${error.message}`);
      });
      const answer = await change<{ records: number; skipped: string[] }>(ctx.http(), 'POST', `${zonePath(zoneName)}/import`, { zoneFile });
      if (options.wait) await waitServed(ctx.http(), zoneName);
      if (ctx.globals().json) return printJson(answer);
      process.stdout.write(`${zoneName}: ${answer.records} records imported\n`);
      for (const line of answer.skipped) note(`skipped (type not managed): ${line}`);
    });

  const record = dns.command('record').description('DNS records of a zone');
  record
    .command('list')
    .argument('<zone>')
    .description("a zone's records")
    .action(async (zoneName: string) => {
      const { body } = await ctx.http().request<DnsRecord[]>('GET', `${zonePath(zoneName)}/records`);
      if (ctx.globals().json) return printJson(body);
      process.stdout.write(`${formatTable(['id', 'name', 'ttl', 'type', 'value', 'version'], body.map(recordRow))}\n`);
    });

  record
    .command('add')
    .description('add a record, e.g. `slipway dns record add example.test www A 192.0.2.10`')
    .argument('<zone>')
    .argument('<name>', '"@" for the apex, or a name relative to the zone')
    .addArgument(new Argument('<type>').choices([...DNS_RECORD_TYPES]))
    .argument('<value...>', 'the value (several words are joined with spaces: MX, SRV, CAA, TXT)')
    .option('--ttl <seconds>', 'TTL in seconds (30-604800; default 3600)', wholeNumber)
    .option('--wait', 'wait until named serves the change')
    .action(async (zoneName: string, name: string, type: string, value: string[], options: { ttl?: string; wait?: boolean }) => {
      const body = { name, type, value: value.join(' '), ...(options.ttl ? { ttl: Number(options.ttl) } : {}) };
      const created = await change<DnsRecord>(ctx.http(), 'POST', `${zonePath(zoneName)}/records`, body);
      if (options.wait) await waitServed(ctx.http(), zoneName);
      if (ctx.globals().json) return printJson(created);
      process.stdout.write(`${created.id}\n`);
      note(`record ${created.id} ${created.name} ${created.type} ${created.value} added to ${zoneName}`);
    });

  record
    .command('set')
    .description('change a record (only if nobody changed it since it was read)')
    .argument('<zone>')
    .argument('<id>', 'record id', recordId)
    .option('--name <name>')
    .addOption(new Option('--type <type>').choices([...DNS_RECORD_TYPES]))
    .option('--value <value>')
    .option('--ttl <seconds>', 'TTL in seconds', wholeNumber)
    .option('--if-version <version>', 'the version you read (default: the current one, read just before)', wholeNumber)
    .option('--wait', 'wait until named serves the change')
    .action(async (zoneName: string, id: number, options: { name?: string; type?: string; value?: string; ttl?: string; ifVersion?: string; wait?: boolean }) => {
      const path = `${zonePath(zoneName)}/records/${id}`;
      const version = options.ifVersion ?? String((await change<DnsRecord>(ctx.http(), 'GET', path)).version);
      const body = {
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.type !== undefined ? { type: options.type } : {}),
        ...(options.value !== undefined ? { value: options.value } : {}),
        ...(options.ttl !== undefined ? { ttl: Number(options.ttl) } : {}),
      };
      if (Object.keys(body).length === 0) throw new CliError('nothing to change: give --name, --type, --value or --ttl');
      const changed = await change<DnsRecord>(ctx.http(), 'PUT', path, body, { 'if-match': `"${version}"` });
      if (options.wait) await waitServed(ctx.http(), zoneName);
      if (ctx.globals().json) return printJson(changed);
      process.stdout.write(`record ${changed.id} is now ${changed.name} ${changed.ttl} ${changed.type} ${changed.value} (version ${changed.version})\n`);
    });

  record
    .command('rm')
    .description('delete a record')
    .argument('<zone>')
    .argument('<id>', 'record id', recordId)
    .option('--if-version <version>', 'the version you read (default: the current one)', wholeNumber)
    .option('--wait', 'wait until named no longer serves it')
    .action(async (zoneName: string, id: number, options: { ifVersion?: string; wait?: boolean }) => {
      const path = `${zonePath(zoneName)}/records/${id}`;
      const version = options.ifVersion ?? String((await change<DnsRecord>(ctx.http(), 'GET', path)).version);
      const removed = await change<DnsRecord>(ctx.http(), 'DELETE', path, undefined, { 'if-match': `"${version}"` });
      if (options.wait) await waitServed(ctx.http(), zoneName);
      if (ctx.globals().json) return printJson(removed);
      process.stdout.write(`record ${removed.id} ${removed.name} ${removed.type} ${removed.value} deleted\n`);
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
