import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { REPO_ROOT } from './test-env.js';
import { waitFor } from './wait-for.js';

/** `npm start` (scripts/start.mjs) as a terminal runs it: output kept, its own process group. */
export class StartScript {
  output = '';
  /** The script's stderr alone (also in `output`): a start-up failure must be one line there. */
  stderr = '';
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(env: Record<string, string | undefined>) {
    this.child = spawn(process.execPath, [resolve(REPO_ROOT, 'scripts/start.mjs')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((done) => this.child.on('exit', (code, signal) => done({ code, signal })));
  }

  /** Until "slipway: ready" (API answering, worker registered); fails at once if the script exits first. */
  ready(timeoutMs = 120_000): Promise<unknown> {
    return waitFor('the ready summary', () => {
      if (this.child.exitCode !== null) throw new Error(`start.mjs exited:\n${this.output}`);
      return this.output.includes('slipway: ready');
    }, { timeoutMs });
  }
}
