import {
  type CatalogTemplate,
  DEFAULT_LOCK,
  DEFAULT_TIMEOUT_SECONDS,
  LOCK_PLACEHOLDERS,
  NAME_PATTERN,
} from './catalog.types.js';
import { validateApproval } from './catalog.approval.js';
import { validateCredentials } from './credentials.js';
import type { InventoryNames } from './host-limit.js';
import { isPlainObject } from './plain-object.js';
import { type ProjectDir, resolveProjectPath } from './project-path.js';
import { parseTemplateVars } from './vars-catalog.js';
import type { LimitPolicy } from './vars-schema.types.js';

const TEMPLATE_KEYS = new Set([
  'description', 'playbook', 'inventories', 'timeout', 'vars', 'openVars', 'limit', 'extraVars', 'secretVars', 'lock', 'credentials', 'refOverride', 'checkMode', 'approval',
]);

export interface TemplateContext {
  /** Undefined when the project itself is invalid; path checks are then skipped. */
  project?: ProjectDir;
  /** Names declared under top-level `inventories`, in catalog order. */
  inventoryNames: string[];
  /** Hosts and groups of each inventory that could be read (absent: unknown, checks skipped). */
  inventoryHosts?: Record<string, InventoryNames>;
  /** The project is a git repository (so `refOverride` means something). */
  isGit?: boolean;
}

/**
 * Validates one `templates.<name>` entry, appending every problem found to `problems`.
 * Returns the template only if it has no problems.
 */
export function validateTemplate(
  name: string,
  raw: unknown,
  ctx: TemplateContext,
  problems: string[],
): CatalogTemplate | undefined {
  const where = `templates.${name}`;
  const before = problems.length;
  const report = (key: string, message: string): void => {
    problems.push(`${where}${key ? `.${key}` : ''}: ${message}`);
  };

  if (!NAME_PATTERN.test(name)) {
    report('', 'invalid template name (letters, digits, ".", "_", "-"; must start with a letter or digit)');
  }
  if (!isPlainObject(raw)) {
    report('', 'must be a mapping');
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!TEMPLATE_KEYS.has(key)) report(key, 'unknown key');
  }

  const description = raw.description;
  if (description !== undefined && typeof description !== 'string') report('description', 'must be a string');

  const playbook = typeof raw.playbook === 'string' ? raw.playbook : '';
  let playbookPath = '';
  if (playbook === '') {
    report('playbook', raw.playbook === undefined ? 'required' : 'must be a non-empty string');
  } else if (ctx.project) {
    const resolved = resolveProjectPath(ctx.project, playbook, 'file');
    if ('problem' in resolved) report('playbook', resolved.problem);
    else playbookPath = resolved.path;
  }

  const inventories = validateInventories(raw.inventories, ctx.inventoryNames, report);

  const timeout = raw.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : raw.timeout;
  const timeoutSeconds = typeof timeout === 'number' && Number.isSafeInteger(timeout) && timeout > 0 ? timeout : 0;
  if (timeoutSeconds === 0) {
    report('timeout', `must be a positive integer number of seconds, got ${JSON.stringify(raw.timeout)}`);
  }

  const vars = parseTemplateVars(raw, report);
  const specs = Object.values(vars);
  const extraVars = Object.fromEntries(specs.filter((spec) => 'default' in spec).map((spec) => [spec.name, spec.default]));
  const secretVars = specs.filter((spec) => spec.secret).map((spec) => spec.name);

  const credentials = validateCredentials(raw.credentials, report);

  const openVars = raw.openVars === undefined ? false : raw.openVars;
  if (typeof openVars !== 'boolean') report('openVars', 'must be true or false');

  const refOverride = raw.refOverride === undefined ? false : raw.refOverride;
  if (typeof refOverride !== 'boolean') report('refOverride', 'must be true or false');
  else if (refOverride && ctx.isGit === false) report('refOverride', 'the project is a local directory: only a git project has refs to choose');

  const checkMode = raw.checkMode === undefined ? false : raw.checkMode;
  if (typeof checkMode !== 'boolean') report('checkMode', 'must be true or false');

  const limit = validateLimitPolicy(raw.limit, inventories, ctx.inventoryHosts, report);

  const lock = raw.lock === undefined ? DEFAULT_LOCK : raw.lock;
  if (typeof lock !== 'string' || lock === '') report('lock', 'must be a non-empty string');
  else validateLock(lock, report);

  const approval = validateApproval(raw.approval, inventories, report);
  // The approval preview is a check-mode release of the template: only one whose playbook may run so.
  if (approval?.preview && checkMode === false) report('approval.preview', 'needs checkMode: true on the template (the preview is a check-mode release)');

  if (problems.length > before || typeof lock !== 'string' || typeof openVars !== 'boolean' || typeof refOverride !== 'boolean' || typeof checkMode !== 'boolean') return undefined;
  return {
    name,
    ...(typeof description === 'string' ? { description } : {}),
    playbook,
    playbookPath,
    inventories,
    timeoutSeconds,
    extraVars,
    secretVars,
    vars,
    openVars,
    limit,
    lock,
    ...(Object.keys(credentials).length > 0 ? { credentials } : {}),
    refOverride,
    checkMode,
    ...(approval ? { approval } : {}),
  };
}

type Report = (key: string, message: string) => void;

function validateInventories(raw: unknown, known: string[], report: Report): string[] {
  // Omitted means "any inventory", with the first declared one as the default.
  if (raw === undefined) return [...known];
  if (!Array.isArray(raw)) {
    report('inventories', 'must be a list of inventory names');
    return [];
  }
  if (raw.length === 0) report('inventories', 'must not be empty');
  const seen = new Set<string>();
  raw.forEach((item: unknown, i) => {
    if (typeof item !== 'string') report(`inventories[${i}]`, 'must be an inventory name');
    else if (!known.includes(item)) report(`inventories[${i}]`, `unknown inventory "${item}"`);
    else if (seen.has(item)) report(`inventories[${i}]`, `duplicate inventory "${item}"`);
    else seen.add(item);
  });
  return [...seen];
}

/**
 * `limit: any` (default: any host or group of the release's inventory), `limit: none`, or a list of
 * patterns a release may combine. Listed patterns must name a host or group of one of the template's
 * inventories, unless they are ansible wildcards/ranges the catalog author chose on purpose.
 */
function validateLimitPolicy(
  raw: unknown,
  inventories: string[],
  hosts: Record<string, InventoryNames> | undefined,
  report: Report,
): LimitPolicy {
  if (raw === undefined || raw === 'any') return 'any';
  if (raw === 'none') return 'none';
  if (!Array.isArray(raw) || raw.length === 0) {
    report('limit', 'must be any, none, or a non-empty list of host patterns');
    return 'none';
  }
  const patterns: string[] = [];
  raw.forEach((item: unknown, i) => {
    const at = `limit[${i}]`;
    if (typeof item !== 'string' || item === '') return report(at, 'must be a non-empty string');
    if (/[,:\s]/.test(item)) return report(at, 'one pattern per item (no ",", ":" or blanks)');
    if (/^[!&]?[@-]/.test(item)) return report(at, 'must not start with "@" or "-"');
    const name = item.replace(/^[!&]/, '');
    const known = inventories.some((inv) => {
      const names = hosts?.[inv];
      return names === undefined || names.hosts.includes(name) || names.groups.includes(name);
    });
    if (!known && !/[*?[~]/.test(name)) return report(at, `"${name}" is not a host or group of ${inventories.join(', ')}`);
    patterns.push(item);
  });
  return patterns;
}

function validateLock(lock: string, report: Report): void {
  const allowed: readonly string[] = LOCK_PLACEHOLDERS;
  for (const match of lock.matchAll(/\{([^{}]*)\}/g)) {
    const placeholder = match[1] ?? '';
    if (!allowed.includes(placeholder)) {
      report('lock', `unknown placeholder {${placeholder}} (allowed: {template}, {inventory})`);
    }
  }
  // A stray brace is almost certainly a typo'd placeholder that would otherwise be kept literally.
  if (/[{}]/.test(lock.replace(/\{[^{}]*\}/g, ''))) report('lock', 'unbalanced "{" or "}"');
}
