import { isProgramBasicsVariable } from './locale-environment.js';

/**
 * The part of the worker's environment ansible-playbook inherits: an allow-list, so the worker's own
 * settings and secrets (DATABASE_URL, REDIS_URL, SLIPWAY_*, cloud credentials…) never reach a playbook.
 * - PATH, HOME, TZ and the locale variables by name (see locale-environment.ts): what ansible and the
 *   tools it runs need to find programs, ~/.ssh and to print text and times the way the host is set up.
 * - ANSIBLE_*: the operator's way to configure ansible for every release (ANSIBLE_CONFIG, …); they are
 *   the worker's own environment, never anything a release chooses. Slipway's own settings that happen
 *   to start with ANSIBLE_ are not ansible's and stay out; the worker then sets its ANSIBLE_* over these.
 */
const ANSIBLE_SETTING = /^ANSIBLE_[A-Z0-9_]+$/;
const SLIPWAY_SETTINGS = new Set(['ANSIBLE_PLAYBOOK_BIN', 'ANSIBLE_NICE']);

export function inheritedAnsibleEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !(isProgramBasicsVariable(name) || ANSIBLE_SETTING.test(name)) || SLIPWAY_SETTINGS.has(name)) continue;
    picked[name] = value;
  }
  return picked;
}
