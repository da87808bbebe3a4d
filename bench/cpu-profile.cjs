// Preloaded into workers when BENCH_PROFILE_DIR is set (`--cpu-prof` is not allowed in NODE_OPTIONS):
// profiles the whole process with the inspector and writes <dir>/worker-<pid>.cpuprofile when it exits.
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const session = new Session();
session.connect();
session.post('Profiler.setSamplingInterval', { interval: 500 });
session.post('Profiler.enable', () => session.post('Profiler.start'));
process.on('exit', () => {
  // Same-thread inspector calls complete synchronously, so this runs before the process is gone.
  session.post('Profiler.stop', (error, result) => {
    if (!error) writeFileSync(join(process.env.BENCH_PROFILE_DIR, `worker-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
