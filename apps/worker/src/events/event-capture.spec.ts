import { describe, expect, it } from 'vitest';
import { eventCaptureEnvironment, findCallbackPlugins } from './event-capture.js';

describe('eventCaptureEnvironment', () => {
  it('adds the plugin beside what the operator enabled, keeping their callback path', () => {
    expect(eventCaptureEnvironment({ ANSIBLE_CALLBACKS_ENABLED: 'timer, profile_tasks', ANSIBLE_CALLBACK_PLUGINS: '/opt/cb' }, '/s/cb', '/run/e.jsonl', 4096)).toEqual({
      ANSIBLE_CALLBACK_PLUGINS: '/s/cb:/opt/cb',
      ANSIBLE_CALLBACKS_ENABLED: 'timer,profile_tasks,slipway_events',
      SLIPWAY_EVENTS_FILE: '/run/e.jsonl',
      SLIPWAY_EVENTS_MAX_BYTES: '4096',
    });
  });

  it('keeps ansible default callback path when the operator set none', () => {
    const env = eventCaptureEnvironment({}, '/s/cb', '/run/e.jsonl', 536_870_912);
    expect(env.ANSIBLE_CALLBACK_PLUGINS).toBe('/s/cb:~/.ansible/plugins/callback:/usr/share/ansible/plugins/callback');
    expect(env.ANSIBLE_CALLBACKS_ENABLED).toBe('slipway_events');
  });

  it('finds the shipped plugin from the checkout', () => {
    expect(findCallbackPlugins()).toMatch(/apps\/worker\/callback_plugins$/);
  });
});
