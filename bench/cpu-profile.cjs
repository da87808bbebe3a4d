// Preloaded into workers when BENCH_PROFILE_DIR is set (`--cpu-prof` is not allowed in NODE_OPTIONS):
// profiles the whole process with the inspector and writes <dir>/<app>-<pid>.cpuprofile when it exits
// (<app>: api or worker, from the entry point dist/apps/<app>/main.js).
const { Session } = require('node:inspector');
const { mkdirSync, writeFileSync } = require('node:fs');
const { basename, dirname, join } = require('node:path');

const app = process.argv[1] ? basename(dirname(process.argv[1])) : 'node';

const session = new Session();
session.connect();
session.post('Profiler.setSamplingInterval', { interval: 500 });
session.post('Profiler.enable', () => session.post('Profiler.start'));

let written = false;
function writeProfile() {
  if (written) return;
  written = true;
  // Same-thread inspector calls complete synchronously, so this runs before the process is gone.
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    mkdirSync(process.env.BENCH_PROFILE_DIR, { recursive: true });
    writeFileSync(join(process.env.BENCH_PROFILE_DIR, `${app}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
}
process.on('exit', writeProfile);
// Nest's shutdown hooks end the process by re-raising the signal to itself (process.kill(process.pid,
// signal)) after its listeners are removed: the default action kills it without an 'exit' event, so the
// API's profile was never written. Write it just before that signal is sent.
const kill = process.kill.bind(process);
process.kill = (pid, signal) => {
  if (pid === process.pid && signal !== 0) writeProfile();
  return kill(pid, signal);
};
