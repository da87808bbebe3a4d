// A stand-in for apps/worker/callback_plugins/slipway_events.py: appends host_result events in the
// plugin's exact format (one JSON object a line, v 1, seq from 1) to a file at a given rate, then stats.
// Usage: node stand-in-plugin.mjs FILE EVENTS RATE_PER_S (0 = as fast as it can)
import { openSync, writeSync, closeSync } from 'node:fs';

const [file, total = '100000', rate = '0'] = process.argv.slice(2);
const events = Number(total);
const perSecond = Number(rate);
const fd = openSync(file, 'a');
const started = Date.now();
let seq = 0;
const line = (event) => `${JSON.stringify({ v: 1, seq: ++seq, t: Date.now(), ...event })}\n`;
writeSync(fd, line({ type: 'playbook_start', playbook: 'bench.yml' }));
for (let i = 0; i < events; i++) {
  const host = `host${String(i % 500).padStart(3, '0')}`;
  const task = Math.floor(i / 500);
  writeSync(fd, line({
    type: 'host_result', taskId: `task-${task}`, task: `task ${task}`, host, status: i % 7 === 0 ? 'changed' : 'ok', changed: i % 7 === 0,
    durationMs: 12.5, delegateTo: null, noLog: false, result: { msg: `task ${task} on ${host}`, changed: i % 7 === 0 }, diff: null,
  }));
  if (perSecond > 0) {
    const due = started + ((i + 1) * 1000) / perSecond;
    while (Date.now() < due) await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
  }
}
writeSync(fd, line({ type: 'stats', hosts: {}, notKept: 0 }));
closeSync(fd);
