import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ShellResult, ShellRunner } from '../../domain/pipelines/ports.js';

const KILL_GRACE_MS = 2000;

/**
 * Runs a stage command with /bin/sh in its own process group, so a timeout or cancel ends the
 * command and everything it started (SIGTERM, then SIGKILL after a grace period).
 */
export class ChildProcessShellRunner implements ShellRunner {
  /** `base`: what a stage command inherits from the bot (Settings.COMMAND_ENV: never its tokens). */
  constructor(private readonly base: Readonly<Record<string, string>>) {}

  run(o: Parameters<ShellRunner['run']>[0]): Promise<ShellResult> {
    const base = this.base;
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', o.command], { cwd: o.cwd, env: { ...base, ...o.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const killGroup = (sig: NodeJS.Signals) => {
        try {
          if (child.pid) process.kill(-child.pid, sig);
        } catch {
          // already gone
        }
      };
      const stop = () => {
        killGroup('SIGTERM');
        killTimer ??= setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, o.timeoutMs);
      const onAbort = () => stop();
      if (o.signal.aborted) stop();
      else o.signal.addEventListener('abort', onAbort, { once: true });
      for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => o.onLine(line));
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        o.signal.removeEventListener('abort', onAbort);
        resolve({ exitCode: code, ...(signal ? { signal } : {}), timedOut });
      });
    });
  }
}
