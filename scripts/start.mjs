#!/usr/bin/env node
// `npm start`: build if the sources are newer than the bundles, then run the API and one worker in the
// foreground. Ctrl-C (or SIGTERM) goes to both; the worker drains its releases before exiting.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const entries = ['dist/apps/api/main.js', 'dist/apps/worker/main.js'].map((p) => join(root, p));

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

// The dashboard's bundle counts too: `npm start` serves it.
const outputs = [...entries, join(root, 'dist/dashboard/index.html')];
const built = outputs.every(existsSync) ? Math.min(...outputs.map((p) => statSync(p).mtimeMs)) : 0;
const sources = Math.max(newestSource(join(root, 'apps')), newestSource(join(root, 'libs')));
if (built < sources) {
  console.log('slipway: building…');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// Every /api/v1 route needs a token. For this local run, make an admin token unless one was given, and
// show it once here (like a notebook server's login token), so the dashboard and curl work at once.
if (!process.env.SLIPWAY_BOOTSTRAP_TOKEN) {
  process.env.SLIPWAY_BOOTSTRAP_TOKEN = randomBytes(24).toString('base64url');
  console.log(`slipway: admin token for this run: ${process.env.SLIPWAY_BOOTSTRAP_TOKEN}`);
  console.log('slipway: dashboard on http://127.0.0.1:' + (process.env.PORT ?? '3000') + '/ (sign in with the token above)');
}

// Create the database and apply migrations before the worker connects to it.
const migrate = spawnSync(process.execPath, [entries[0], 'migrate'], { cwd: root, stdio: 'inherit' });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const children = [
  // Own process groups: Ctrl-C reaches only this script, which passes one signal to each child, so the
  // worker drains (a second Ctrl-C escalates) and ansible never sees the terminal's SIGINT.
  spawn(process.execPath, [entries[0]], { cwd: root, stdio: 'inherit', detached: true }),
  // The worker's V8 flags are the ones supervisord uses (see supervisord/supervisord.conf).
  spawn(process.execPath, ['--max-semi-space-size=2', '--single-threaded', '--optimize-for-size', entries[1]], { cwd: root, stdio: 'inherit', detached: true }),
];
let exitCode = 0;
let running = children.length;
for (const child of children) {
  child.on('exit', (code) => {
    if (code) exitCode = code;
    running--;
    // One side died on its own (e.g. a bad setting): stop the other too.
    if (!stopping && running > 0) stop('SIGTERM');
    if (running === 0) process.exit(exitCode);
  });
}
let stopping = false;
let lastSignalAt = 0;
function stop(signal) {
  // Ctrl-C reaches this script twice (from the terminal and from npm): pass one signal on, not two,
  // since a second signal tells the worker to stop draining. A later Ctrl-C is a real second one.
  if (Date.now() - lastSignalAt < 1_000) return;
  lastSignalAt = Date.now();
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
