#!/usr/bin/env node
// `npm start`: build if the sources are newer than the bundles, then run the API and one worker in the
// foreground. Ctrl-C, SIGTERM or SIGHUP (the terminal closed) goes to the worker first, which drains its
// releases; the API stays up meanwhile (a `--wait` or the dashboard watching a release sees it end) and is
// stopped once the worker has exited. This script exits only after both have.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const entries = ['dist/apps/api/main.js', 'dist/apps/worker/main.js'].map((p) => join(root, p));
const say = (line) => safeWrite(process.stdout, `slipway: ${line}\n`);

// Once the terminal is gone (SIGHUP), writing to it fails with EIO: the children's output still has to go
// somewhere while the worker drains, so it passes through here and a failed write is dropped.
function safeWrite(stream, text) {
  if (!stream.writable) return;
  try {
    stream.write(text);
  } catch {
    // terminal gone
  }
}
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // __pycache__: Python writes it beside the events plugin whenever ansible loads it (not a source).
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name === '__pycache__') continue;
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
  say('building…');
  // A production bundle whatever NODE_ENV was inherited: under NODE_ENV=test or development Vite bundles
  // React's development build (twice the size, with a chunk-size warning a newcomer would read as an error).
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// Redis, MariaDB and ansible-playbook first, in a few seconds: without one of them this stops here with
// one line saying which and how to get it (see preflight() in apps/worker/src/main.ts), before a token is
// shown or anything is started that would then fail in its own way, twice.
const preflight = spawnSync(process.execPath, [entries[1], 'preflight'], { cwd: root, stdio: 'inherit' });
if (preflight.status !== 0) process.exit(preflight.status ?? 1);

// Nest's ~110 start-up lines (modules initialised, every route mapped) would bury the token; warnings and
// errors still show. `LOG_LEVEL=info npm start` shows everything.
process.env.LOG_LEVEL ??= 'warn';
// The children write into a pipe (see safeWrite), so they would choose JSON: on a terminal they write
// what a terminal gets; into a pipe or file (`npm start | tee`) they write JSON and this script renders
// each line as text (renderLogLine), so a warning before "ready" reads as one. An explicit LOG_FORMAT is
// passed through untouched.
const renderJsonLines = !process.env.LOG_FORMAT && !process.stdout.isTTY;
if (process.stdout.isTTY) process.env.LOG_FORMAT ??= 'pretty';
else process.env.LOG_FORMAT ??= 'json';

// The bundled example's deploy-web takes its secret db_password from the worker's DEPLOY_DB_PASSWORD (to
// show a secret with an environment default). On the example catalog, a local run gives it an obviously
// fake value, so trying the example does not start with "DEPLOY_DB_PASSWORD is not set" in its log.
if (!process.env.SLIPWAY_CATALOG && process.env.DEPLOY_DB_PASSWORD === undefined) process.env.DEPLOY_DB_PASSWORD = 'example-only-not-a-secret';

// Every /api/v1 route needs a token. For this local run, make an admin token unless one was given, and
// show it (like a notebook server's login token), so the dashboard and curl work at once.
const madeToken = !process.env.SLIPWAY_BOOTSTRAP_TOKEN;
if (madeToken) process.env.SLIPWAY_BOOTSTRAP_TOKEN = randomBytes(24).toString('base64url');
const token = process.env.SLIPWAY_BOOTSTRAP_TOKEN;
const host = process.env.HOST ?? '127.0.0.1';
const port = process.env.PORT ?? '3000';
const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
if (madeToken) say(`admin token for this run: ${token}`);
say('starting the API and one worker…');

const LEVEL_NAMES = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };

/**
 * One pino JSON line as a person reads it: "slipway-api: warning: SLIPWAY_SECRET_KEY is not set: …"
 * (the release a line is about, and an error's message, kept). Anything that is not a pino line is
 * passed on as it is.
 */
function renderLogLine(line) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || typeof entry.level !== 'number') return line;
  const level = LEVEL_NAMES[entry.level] ?? `level ${entry.level}`;
  let text = typeof entry.msg === 'string' ? entry.msg : '';
  const errorMessage = entry.err?.message;
  if (typeof errorMessage === 'string' && !text.includes(errorMessage)) text = text ? `${text}: ${errorMessage}` : errorMessage;
  if (entry.releaseId !== undefined) text += ` (release ${entry.releaseId})`;
  return `${entry.service ?? 'slipway'}: ${level === 'info' ? '' : `${level}: `}${text}`;
}

/** Passes a child's stdout on, rendering it line by line when it is JSON meant for a person. */
function passOn(stream) {
  if (!renderJsonLines) {
    stream.on('data', (chunk) => safeWrite(process.stdout, chunk));
    return;
  }
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    if (lines.length > 0) safeWrite(process.stdout, lines.map((line) => `${renderLogLine(line)}\n`).join(''));
  });
  stream.on('end', () => {
    if (partial) safeWrite(process.stdout, `${renderLogLine(partial)}\n`);
  });
}

// Create the database and apply migrations before the worker connects to it.
const migrate = spawnSync(process.execPath, [entries[0], 'migrate'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const migrateOutput = migrate.stdout.split('\n').filter(Boolean);
safeWrite(process.stdout, migrateOutput.map((line) => `${renderJsonLines ? renderLogLine(line) : line}\n`).join(''));
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

function start(args) {
  // Own process groups: Ctrl-C reaches only this script, which passes one signal to each child, so the
  // worker drains (a second Ctrl-C escalates) and ansible never sees the terminal's SIGINT.
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  passOn(child.stdout);
  child.stderr.on('data', (chunk) => safeWrite(process.stderr, chunk));
  return child;
}
const api = start([entries[0]]);
// The worker's V8 flags are the ones supervisord uses (see supervisord/supervisord.conf).
const worker = start(['--max-semi-space-size=2', '--single-threaded', '--optimize-for-size', entries[1]]);
const children = [api, worker];

let exitCode = 0;
let running = children.length;
let stopping = false;
const alive = (child) => child.exitCode === null && child.signalCode === null;
for (const child of children) {
  child.on('exit', (code) => {
    if (code) exitCode = code;
    running--;
    if (running === 0) process.exit(exitCode);
    // The worker is done (drained, or died): nothing is left for the API to report on, so it goes too.
    if (child === worker) {
      stopping = true;
      if (alive(api)) api.kill('SIGTERM');
      return;
    }
    // The API died on its own (e.g. a bad setting): the worker drains and exits too, without a line
    // that looks like someone pressed Ctrl-C (the API's own line above says why).
    if (!stopping) {
      stopping = true;
      if (alive(worker)) worker.kill('SIGTERM');
    }
  });
}

let lastSignalAt = 0;
function stop(signal) {
  // Ctrl-C reaches this script twice (from the terminal and from npm): pass one signal on, not two,
  // since a second signal tells the worker to stop draining. A later Ctrl-C is a real second one.
  if (Date.now() - lastSignalAt < 1_000) return;
  lastSignalAt = Date.now();
  if (!stopping) say(`${signal}: stopping (the worker finishes its releases first, the API stays up until then; a second Ctrl-C stops them)`);
  stopping = true;
  // The worker drains on SIGTERM and SIGINT and goes straight to its deadline on a second one; SIGHUP's
  // default would kill it mid-release. The API is stopped when the worker has exited (see above).
  const forwarded = signal === 'SIGHUP' ? 'SIGTERM' : signal;
  if (alive(worker)) worker.kill(forwarded);
  else if (alive(api)) api.kill('SIGTERM');
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(signal));

// Say once that everything is up: the API answers /health/ready and the worker is in the registry (so a
// release started now runs), then repeat where to go and how to sign in.
async function announceWhenReady() {
  const deadline = Date.now() + 120_000;
  while (!stopping && Date.now() < deadline) {
    try {
      const ready = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (ready.ok) {
        const response = await fetch(`${baseUrl}/api/v1/workers`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2_000) });
        const workers = response.ok ? await response.json() : [];
        const ours = workers.find((w) => w.pid === worker.pid);
        if (ours) {
          say(`ready: API and dashboard on ${baseUrl}/, worker ${ours.id} (concurrency ${ours.concurrency})`);
          say(madeToken ? `admin token for this run: ${token}` : 'sign in with your SLIPWAY_BOOTSTRAP_TOKEN');
          say(`try: SLIPWAY_URL=${baseUrl} SLIPWAY_TOKEN=<the token> npx slipway release create hello --wait`);
          if (process.env.LOG_LEVEL === 'warn') say('only warnings and errors are logged; LOG_LEVEL=info npm start shows everything');
          return;
        }
      }
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
void announceWhenReady();
