// Paced half of stub-ansible-playbook: prints `lines` lines at `rate` per second, each stamped with the
// wall-clock time it was written ("line <n> t=<epoch ms>"), then exits with `code`. Writes to a pipe are
// synchronous in Node on Linux, so the stamp is when the line left this process.
const [lines, rate, code, bytes] = process.argv.slice(2).map(Number);
const pad = 'x'.repeat(Math.max(0, bytes - 36));
const started = performance.now();
let written = 0;

function tick() {
  const due = Math.min(lines, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
  if (due > written) {
    const stamp = (performance.timeOrigin + performance.now()).toFixed(3);
    let chunk = '';
    while (written < due) {
      written++;
      chunk += `line ${written} t=${stamp} ${pad}\n`;
    }
    process.stdout.write(chunk);
  }
  if (written >= lines) process.exitCode = code;
  else setTimeout(tick, 1);
}
tick();
