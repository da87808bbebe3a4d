import type { Command } from 'commander';
import { CliError } from '../exit-codes.js';
import type { SlipwayHttp } from '../http.js';
import { printJson } from '../output.js';
import { formatTable } from '../table.js';
import { type TemplateJson, describeVar } from '../template-vars.js';
import type { GlobalOptions } from './command-context.js';

type Context = { http: () => SlipwayHttp; globals: () => GlobalOptions };

export async function fetchTemplates(http: SlipwayHttp): Promise<TemplateJson[]> {
  return (await http.request<TemplateJson[]>('GET', '/api/v1/templates')).body;
}

function show(template: TemplateJson): string {
  const lines = [
    `template     ${template.name}`,
    ...(template.description ? [`description  ${template.description}`] : []),
    `inventories  ${template.inventories.join(', ')}${template.defaultInventory ? ` (default ${template.defaultInventory})` : ''}`,
    ...(template.timeoutSeconds !== undefined ? [`timeout      ${template.timeoutSeconds} s`] : []),
  ];
  const properties = template.vars?.properties;
  if (properties && Object.keys(properties).length > 0) {
    const required = new Set(template.vars?.required ?? []);
    const rows = Object.entries(properties).map(([name, schema]) => describeVar(name, schema, required.has(name)));
    lines.push('', formatTable(['var', 'type', 'rules', 'description'], rows));
  } else if (template.vars) {
    lines.push('', 'vars         none declared');
  } else if (template.extraVars && Object.keys(template.extraVars).length > 0) {
    // An API from before typed vars: only the defaults are known.
    lines.push('', formatTable(['var', 'default'], Object.entries(template.extraVars).map(([k, v]) => [k, JSON.stringify(v)])));
  }
  if (template.approval) {
    const a = template.approval;
    lines.push(
      '',
      `approval     ${a.approvers} approver${a.approvers === 1 ? '' : 's'}${a.allowSelfApproval ? ' (the requester may be one)' : ', not the requester'} on ${a.inventories.join(', ')}; expires after ${a.expiresAfterSeconds} s${a.preview ? '; a check-mode preview runs first' : ''}`,
    );
  }
  if (template.vars) {
    lines.push('', template.openVars || template.vars.additionalProperties ? 'other vars may be given too (-e name=value)' : 'only these vars may be given');
  }
  return lines.join('\n');
}

export function registerTemplateCommands(program: Command, ctx: Context): void {
  const template = program.command('template').description('what the catalog allows to release');

  template
    .command('list')
    .description('the catalog\'s templates')
    .action(async () => {
      const templates = await fetchTemplates(ctx.http());
      if (ctx.globals().json) return printJson(templates);
      const rows = templates.map((t) => [t.name, t.inventories.join(','), t.description ?? '']);
      process.stdout.write(`${formatTable(['template', 'inventories', 'description'], rows)}\n`);
    });

  template
    .command('show')
    .description('one template: its inventories and the vars a release may set (types, defaults, rules)')
    .argument('<name>', 'template name')
    .action(async (name: string) => {
      const templates = await fetchTemplates(ctx.http());
      const found = templates.find((t) => t.name === name);
      if (!found) throw new CliError(`unknown template "${name}"; known: ${templates.map((t) => t.name).join(', ')}`);
      if (ctx.globals().json) return printJson(found);
      process.stdout.write(`${show(found)}\n`);
    });
}
