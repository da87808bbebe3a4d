import {
  type CatalogTemplate,
  DEFAULT_LOCK,
  DEFAULT_TIMEOUT_SECONDS,
  LOCK_PLACEHOLDERS,
  NAME_PATTERN,
} from './catalog.types.js';
import { isPlainObject } from './plain-object.js';
import { type ProjectDir, resolveProjectPath } from './project-path.js';

const TEMPLATE_KEYS = new Set(['description', 'playbook', 'inventories', 'timeout', 'extraVars', 'secretVars', 'lock', 'vars', 'openVars']);

export interface TemplateContext {
  /** Undefined when the project itself is invalid; path checks are then skipped. */
  project?: ProjectDir;
  /** Names declared under top-level `inventories`, in catalog order. */
  inventoryNames: string[];
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

  const extraVars = raw.extraVars === undefined ? {} : raw.extraVars;
  if (!isPlainObject(extraVars)) report('extraVars', 'must be a mapping of variable name to value');

  const secretVars = validateSecretVars(raw.secretVars, report);

  const lock = raw.lock === undefined ? DEFAULT_LOCK : raw.lock;
  if (typeof lock !== 'string' || lock === '') report('lock', 'must be a non-empty string');
  else validateLock(lock, report);

  if (problems.length > before || !isPlainObject(extraVars) || typeof lock !== 'string') return undefined;
  // TEMP contract stand-in (dashboard branch): `vars:` kept raw for the API's schema; its defaults and
  // secrets feed today's extraVars/secretVars. Replaced by the catalog engineer's typed vars.
  const rawVars = isPlainObject(raw.vars) ? (raw.vars as Record<string, Record<string, unknown>>) : undefined;
  if (rawVars) {
    for (const [varName, v] of Object.entries(rawVars)) {
      let value = v.default;
      if (isPlainObject(value) && typeof value.env === 'string') value = process.env[value.env];
      if (value !== undefined) extraVars[varName] = value;
      if (v.secret === true && !secretVars.includes(varName)) secretVars.push(varName);
    }
  }
  return {
    ...(rawVars ? { rawVars, openVars: raw.openVars === true } : {}),
    name,
    ...(typeof description === 'string' ? { description } : {}),
    playbook,
    playbookPath,
    inventories,
    timeoutSeconds,
    extraVars,
    secretVars,
    lock,
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

function validateSecretVars(raw: unknown, report: Report): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    report('secretVars', 'must be a list of variable names');
    return [];
  }
  const names: string[] = [];
  raw.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || item === '') report(`secretVars[${i}]`, 'must be a non-empty string');
    else names.push(item);
  });
  return names;
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
