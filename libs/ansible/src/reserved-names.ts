/**
 * Var names no release and no catalog default may use, whatever the template says.
 *
 * Extra vars have the highest precedence in ansible, so a var named like one of ansible's own chooses
 * the interpreter, the shell, the connection or become: each of those is a command on the worker.
 */

/** What a var name must look like: a Python/Jinja identifier, so Jinja in names never parses. */
export const VAR_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * ansible-core 2.14 "Special Variables" (reference_appendices/special_variables) that do not start
 * with `ansible_` (every `ansible_*` name is refused by prefix), plus `ungrouped` from ansible's own
 * STATIC_VARS, `environment` and `vars` (play keywords that hold vars), and the connection and become
 * keywords, refused so a playbook that reads e.g. `{{ become_user }}` cannot be steered either.
 */
export const RESERVED_VAR_NAMES: ReadonlySet<string> = new Set([
  // Magic variables
  'group_names',
  'groups',
  'hostvars',
  'inventory_dir',
  'inventory_file',
  'inventory_hostname',
  'inventory_hostname_short',
  'omit',
  'play_hosts',
  'playbook_dir',
  'role_name',
  'role_names',
  'role_path',
  'ungrouped',
  // Keywords that carry vars or environment into tasks
  'environment',
  'vars',
  'vars_files',
  'vars_prompt',
  'module_defaults',
  // Connection and privilege escalation keywords
  'become',
  'become_exe',
  'become_flags',
  'become_method',
  'become_user',
  'connection',
  'delegate_to',
  'delegate_facts',
  'remote_user',
  'port',
  // JavaScript object internals: never silently dropped or merged, always refused
  '__proto__',
  'constructor',
  'prototype',
]);

/** Keys refused anywhere inside a value too: they pollute or vanish in JavaScript objects. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Why `name` can never be a var name, or null if it may be one. */
export function reservedNameProblem(name: string): string | null {
  if (PROTOTYPE_KEYS.has(name)) return `reserved name (JavaScript object internals are never accepted)`;
  if (!VAR_NAME_PATTERN.test(name)) {
    return `invalid name (letters, digits and "_", not starting with a digit: ${VAR_NAME_PATTERN.source})`;
  }
  // Case-insensitive and with leading underscores: ansible's internal `_ansible_*` names too.
  if (/^_*ansible(_|$)/i.test(name)) return 'reserved name (ansible_* vars choose the interpreter, shell, connection and become)';
  if (name.startsWith('__')) return 'reserved name (names starting with "__" are Python/Jinja internals)';
  if (RESERVED_VAR_NAMES.has(name.toLowerCase())) return "reserved name (one of ansible's special variables or keywords)";
  return null;
}
