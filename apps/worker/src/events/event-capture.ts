import { existsSync } from 'node:fs';
import path from 'node:path';

/** Ansible's name of Slipway's callback plugin (apps/worker/callback_plugins/slipway_events.py). */
export const EVENTS_CALLBACK = 'slipway_events';
/** The plugin's file in the run's private directory. */
export const EVENTS_FILE = 'events.jsonl';
const PLUGIN_DIR = ['apps', 'worker', 'callback_plugins'];
/** ansible's own default callback path, kept after Slipway's so the operator's plugins are still found. */
const ANSIBLE_DEFAULT_CALLBACK_PATH = '~/.ansible/plugins/callback:/usr/share/ansible/plugins/callback';

/** The plugin's directory, found like the run spawner: from the entry point (dist/apps/worker/main.js) or the working directory. */
export function findCallbackPlugins(): string | null {
  const starts = [process.argv[1] ? path.dirname(path.resolve(process.argv[1])) : null, process.cwd()];
  for (const start of starts) {
    for (let dir = start; dir; dir = path.dirname(dir) === dir ? null : path.dirname(dir)) {
      const candidate = path.join(dir, ...PLUGIN_DIR);
      if (existsSync(path.join(candidate, `${EVENTS_CALLBACK}.py`))) return candidate;
    }
  }
  return null;
}

/**
 * The ANSIBLE_* that add the plugin to a run, over the allow-listed environment: one more callback,
 * beside the stdout one (whose output is left as it is) and beside any the operator enabled in the
 * worker's environment; its directory first on the callback path, the operator's path after it. The
 * plugin's file is capped at `maxBytes` (the worker's SLIPWAY_EVENTS_MAX_BYTES, validated by the config).
 */
export function eventCaptureEnvironment(inherited: Record<string, string>, pluginDir: string, eventsFile: string, maxBytes: number): Record<string, string> {
  const enabled = (inherited.ANSIBLE_CALLBACKS_ENABLED ?? inherited.ANSIBLE_CALLBACK_WHITELIST ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '' && name !== EVENTS_CALLBACK);
  return {
    ANSIBLE_CALLBACK_PLUGINS: [pluginDir, inherited.ANSIBLE_CALLBACK_PLUGINS ?? ANSIBLE_DEFAULT_CALLBACK_PATH].join(':'),
    ANSIBLE_CALLBACKS_ENABLED: [...enabled, EVENTS_CALLBACK].join(','),
    SLIPWAY_EVENTS_FILE: eventsFile,
    SLIPWAY_EVENTS_MAX_BYTES: String(maxBytes),
  };
}
