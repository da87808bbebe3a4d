import { rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { OutputLines } from './output-lines.js';
import { MAX_LINE_CHARS } from './release-log-sink.js';
import { type RunExit, type RunSpawner, RunSpawnerError } from './run-spawner.js';

export interface ProcessExit {
  exitCode: number | null;
  signal: string | null;
  /** Set when the run could not be started at all (no spawner, or it refused). */
  spawnError: string | null;
  /** Set when the run was lost with its spawner (killed with it, see RunSpawner). */
  lost: string | null;
}

export interface AnsibleProcessOptions {
  bin: string;
  argv: string[];
  cwd: string;
  /** The whole environment of the run (allow-listed; nothing of the worker's is added). */
  env: Record<string, string>;
  /** SIGINT → SIGKILL grace, also used by the run's supervisor when it fences. */
  graceMs: number;
  /** The worker's heartbeat lease (see HeartbeatLease). */
  leaseFile: string;
  /** The run's private directory (the supervisor leaves its `fenced` marker there, and its output socket is here). */
  runDir: string;
  /** May return a promise to pause reading (backpressure) until it settles. */
  onLine: (line: string) => Promise<void> | null | void;
}

/** After the run's supervisor exits, how long its output may still drain before the socket is cut. */
const PIPE_DRAIN_MS = 2_000;
/** After asking the supervisor to kill the run (SIGTERM), how long before the worker SIGKILLs the group itself. */
const SUPERVISOR_KILL_BACKSTOP_MS = 2_000;
/** In the run's 0700 directory: only the worker's user can connect (a Unix socket path is limited to 107 bytes). */
const OUTPUT_SOCKET = 'out.sock';

/** Where a run's output arrives: a Unix socket in its private directory that accepts one connection, the run's. */
class OutputSocket {
  private readonly server = net.createServer({ pauseOnConnect: true });
  readonly connection: Promise<net.Socket | null>;
  private settle: (socket: net.Socket | null) => void = () => undefined;

  private constructor(readonly file: string) {
    this.connection = new Promise((resolve) => (this.settle = resolve));
    this.server.once('connection', (socket) => {
      this.settle(socket);
      this.server.close(); // one run, one connection: nobody else gets in afterwards
    });
    this.server.on('error', () => this.settle(null));
  }

  static async listen(runDir: string): Promise<OutputSocket> {
    const output = new OutputSocket(path.join(runDir, OUTPUT_SOCKET));
    await new Promise<void>((resolve, reject) => {
      output.server.once('error', reject);
      output.server.listen(output.file, () => {
        output.server.off('error', reject);
        resolve();
      });
    });
    return output;
  }

  /** No connection any more (the run never connected, or will not drain): reading ends. */
  close(): void {
    this.server.close();
    this.settle(null);
    void rm(this.file, { force: true });
  }
}

/**
 * One ansible-playbook run, as its own process group under its supervisor (a fork of bin/slipway-spawner.py,
 * argv only, no shell), its output on a socket in the run's directory.
 * - stop(): SIGINT to the group (ansible cleans up and exits 99, as on Ctrl-C), then after the grace the
 *   supervisor is told (SIGTERM) to SIGKILL everything of the run; the worker SIGKILLs the group itself
 *   if the supervisor does not go.
 * - The run ends when ansible's main process exits: the supervisor kills what it left (a forked child
 *   holding the output) and exits with ansible's status; if the supervisor itself is killed, the worker
 *   kills the rest of the group and stops reading the output after PIPE_DRAIN_MS.
 * - If the worker dies, the spawner and then every supervisor get their death signal and kill the runs.
 */
export class AnsibleProcess {
  private killTimer: NodeJS.Timeout | null = null;
  private backstopTimer: NodeJS.Timeout | null = null;
  private supervisorExited = false;
  readonly exited: Promise<ProcessExit>;

  private constructor(
    /** The run's supervisor, which is also the run's process group id; undefined if it never started. */
    readonly pid: number | undefined,
    runExit: Promise<RunExit> | string,
    output: OutputSocket,
    onLine: AnsibleProcessOptions['onLine'],
  ) {
    this.exited = this.pump(runExit, output, onLine);
  }

  /** Starts the run; a run that cannot be started still gives an AnsibleProcess, whose exit says why. */
  static async start(spawner: RunSpawner, options: AnsibleProcessOptions): Promise<AnsibleProcess> {
    const output = await OutputSocket.listen(options.runDir);
    try {
      const run = await spawner.spawn({
        argv: [options.bin, ...options.argv],
        env: options.env,
        cwd: options.cwd,
        output: output.file,
        lease: options.leaseFile,
        runDir: options.runDir,
        graceMs: options.graceMs,
      });
      return new AnsibleProcess(run.pid, run.exited, output, options.onLine);
    } catch (error) {
      if (!(error instanceof RunSpawnerError)) throw error;
      return new AnsibleProcess(undefined, error.message, output, options.onLine);
    }
  }

  /** SIGINT to the group now, everything SIGKILLed after graceMs if still alive. Idempotent. */
  stop(graceMs: number): void {
    if (this.killTimer) return;
    this.signalGroup('SIGINT');
    this.killTimer = setTimeout(() => this.killNow(), graceMs);
    this.killTimer.unref();
  }

  /** killNow() in `ms`, unless the run is over or stopping already has its own SIGKILL timer. */
  killAfter(ms: number): void {
    if (this.killTimer) return;
    this.killTimer = setTimeout(() => this.killNow(), ms);
    this.killTimer.unref();
  }

  /**
   * Kill the whole run at once (fencing backstop, grace over): the supervisor SIGKILLs every process of the
   * run, including ones that left the group; the group is SIGKILLed here if the supervisor does not exit.
   */
  killNow(): void {
    if (this.backstopTimer || this.supervisorExited || this.pid === undefined) return;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    this.backstopTimer = setTimeout(() => this.signalGroup('SIGKILL'), SUPERVISOR_KILL_BACKSTOP_MS);
    this.backstopTimer.unref();
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.pid === undefined || this.supervisorExited) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // no process left in the group
    }
  }

  private async readLines(output: OutputSocket, onLine: AnsibleProcessOptions['onLine']): Promise<void> {
    const socket = await output.connection;
    if (!socket) return;
    const lines = new OutputLines(MAX_LINE_CHARS);
    try {
      // One chunk at a time: while onLine's promise is pending nothing more is read, and the run's writes
      // block once the socket's buffer is full (backpressure, as with a pipe).
      for await (const chunk of socket) {
        for (const line of lines.push(chunk as Buffer)) {
          const pause = onLine(line);
          if (pause) await pause;
        }
      }
    } catch {
      // The socket was cut (the run would not drain): what was read is kept.
    }
    for (const line of lines.end()) await onLine(line);
  }

  private async pump(runExit: Promise<RunExit> | string, output: OutputSocket, onLine: AnsibleProcessOptions['onLine']): Promise<ProcessExit> {
    if (typeof runExit === 'string') {
      output.close();
      return { exitCode: null, signal: null, spawnError: runExit, lost: null };
    }
    const reading = this.readLines(output, onLine);
    const exit = await runExit;
    // Whatever is left of the group (the supervisor was SIGKILLed): nothing of the run outlives it. The group
    // id cannot be reused while a member of it is alive.
    this.signalGroup('SIGKILL');
    this.supervisorExited = true;
    // The supervisor is gone: the output drains on, but a process that escaped every kill may not hold the
    // socket open and keep the release running.
    const drained = await Promise.race([
      reading.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), PIPE_DRAIN_MS).unref()),
    ]);
    output.close();
    if (!drained) {
      void output.connection.then((socket) => socket?.destroy());
      await reading;
    }
    if (this.killTimer) clearTimeout(this.killTimer);
    if (this.backstopTimer) clearTimeout(this.backstopTimer);
    return { exitCode: exit.exitCode, signal: exit.signal, spawnError: null, lost: exit.lost };
  }
}
