import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './test-env.js';
import { waitFor } from './wait-for.js';

const execFileAsync = promisify(execFile);

/**
 * A real `named` (Debian's bind9) started by a test: its own directory, config and rndc key, listening
 * on loopback ports of its own, serving `<zonesDir>/<zone>.zone` for each zone given. `reloadArgv` is the
 * rndc command Slipway's render runs after installing a file ("{zone}" is the zone).
 */
export class PrivateNamed {
  output = '';

  private constructor(
    readonly dir: string,
    readonly zonesDir: string,
    readonly port: number,
    readonly controlPort: number,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(zones: string[]): Promise<PrivateNamed> {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-named-'));
    const zonesDir = join(dir, 'zones');
    await mkdir(zonesDir);
    const [port, controlPort] = [await freePort(), await freePort()];
    await execFileAsync('rndc-confgen', ['-a', '-c', join(dir, 'rndc.key'), '-k', 'slipway-test']);
    await writeFile(
      join(dir, 'named.conf'),
      [
        'options {',
        `  directory "${dir}";`,
        `  pid-file "${dir}/named.pid";`,
        `  session-keyfile "${dir}/session.key";`,
        `  managed-keys-directory "${dir}";`,
        `  listen-on port ${port} { 127.0.0.1; };`,
        '  listen-on-v6 { none; };',
        '  recursion no;',
        '  dnssec-validation no;',
        '};',
        `include "${dir}/rndc.key";`,
        `controls { inet 127.0.0.1 port ${controlPort} allow { 127.0.0.1; } keys { "slipway-test"; }; };`,
        ...zones.map((zone) => `zone "${zone}" { type primary; file "${zonesDir}/${zone}.zone"; };`),
        '',
      ].join('\n'),
    );
    const asRoot = process.getuid?.() === 0 ? ['-u', 'root'] : [];
    const child = spawn('named', ['-g', '-c', join(dir, 'named.conf'), ...asRoot], { stdio: ['ignore', 'pipe', 'pipe'] });
    const named = new PrivateNamed(dir, zonesDir, port, controlPort, child);
    await waitFor('named to answer rndc', async () => (await named.rndc('status')).ok, { timeoutMs: 30_000, intervalMs: 200 });
    return named;
  }

  get reloadArgv(): string[] {
    return ['rndc', '-s', '127.0.0.1', '-p', String(this.controlPort), '-k', join(this.dir, 'rndc.key'), 'reload', '{zone}'];
  }

  async rndc(...args: string[]): Promise<{ ok: boolean; output: string }> {
    try {
      const { stdout, stderr } = await execFileAsync('rndc', ['-s', '127.0.0.1', '-p', String(this.controlPort), '-k', join(this.dir, 'rndc.key'), ...args]);
      return { ok: true, output: stdout + stderr };
    } catch (error) {
      return { ok: false, output: String((error as Error).message) };
    }
  }

  /** What named answers for `name` `type`, as `dig +short` prints it (one line per record). */
  async dig(name: string, type: string): Promise<string[]> {
    const { stdout } = await execFileAsync('dig', ['-p', String(this.port), '@127.0.0.1', '+short', '+norecurse', '+time=2', '+tries=1', name, type]);
    return stdout.split('\n').filter((line) => line.trim() !== '');
  }

  /** The SOA serial named serves for `zone`, or null when it serves none. */
  async serial(zone: string): Promise<number | null> {
    const [soa] = await this.dig(zone, 'SOA');
    return soa ? Number(soa.split(/\s+/)[2]) : null;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
