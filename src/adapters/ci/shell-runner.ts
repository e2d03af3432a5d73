import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ProcessRecorder, ShellResult, ShellRunner } from '../../domain/pipelines/ports.js';

const KILL_GRACE_MS = 2000;

/** Commands this process started and that have not ended: ended at once if the process exits. */
const live = new Set<ChildProcess>();
let exitHook = false;
function endOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  // A deliberate exit (a second SIGTERM, a failed start) ends our commands; kill -9 cannot run
  // this, which is what the process records and the reaper are for.
  process.on('exit', () => {
    for (const c of live) if (c.pid) killGroup(c.pid, 'SIGTERM');
  });
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Runs a stage command with /bin/sh in its own process group, so a timeout or cancel ends the
 * command and everything it started (SIGTERM, then SIGKILL after a grace period). Each command is
 * recorded (pid, group, host, start time) while it runs, so a worker killed outright does not
 * leave a deploy lock free while its command carries on.
 */
export class ChildProcessShellRunner implements ShellRunner {
  /** `base`: what a stage command inherits from the bot (Settings.COMMAND_ENV: never its tokens). */
  constructor(
    private readonly base: Readonly<Record<string, string>>,
    private readonly recorder?: ProcessRecorder,
  ) {}

  run(o: Parameters<ShellRunner['run']>[0]): Promise<ShellResult> {
    const base = this.base;
    endOnExit();
    const owner =
      o.stage ?? (o.env.SWITCHYARD_RUN_ID ? { runId: o.env.SWITCHYARD_RUN_ID, stageId: o.env.SWITCHYARD_STAGE_ID ?? '' } : undefined);
    const recorder = owner ? this.recorder : undefined;
    return new Promise((resolve, reject) => {
      // Recorded commands start only once their record is written: the shell waits for a line on
      // stdin, then becomes the command (same pid and group). If this process dies first, the
      // pipe closes, `read` fails and the command never runs, so none runs unrecorded.
      const argv = recorder ? ['-c', 'read -r _ || exit 0; exec /bin/sh -c "$1"', 'switchyard-stage', o.command] : ['-c', o.command];
      const child = spawn('/bin/sh', argv, {
        cwd: o.cwd,
        env: { ...base, ...o.env },
        detached: true,
        stdio: [recorder ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      });
      live.add(child);
      const recorded =
        recorder && child.pid
          ? recorder.started({ pid: child.pid, ...owner!, timeoutMs: o.timeoutMs }).catch(() => undefined)
          : Promise.resolve(undefined);
      if (child.stdin) {
        child.stdin.on('error', () => undefined); // a command that already ended
        void recorded.then(() => child.stdin!.end('go\n'));
      }
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const stop = () => {
        if (child.pid) killGroup(child.pid, 'SIGTERM');
        killTimer ??= setTimeout(() => child.pid && killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, o.timeoutMs);
      const onAbort = () => stop();
      if (o.signal.aborted) stop();
      else o.signal.addEventListener('abort', onAbort, { once: true });
      for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => o.onLine(line));
      const settle = async () => {
        live.delete(child);
        clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        o.signal.removeEventListener('abort', onAbort);
        // 'close' comes once the shell exited and every process holding its output did too.
        const id = await recorded;
        if (id) await recorder!.ended(id).catch(() => undefined);
      };
      child.on('error', (err) => {
        void settle().then(() => reject(err));
      });
      child.on('close', (code, signal) => {
        void settle().then(() => resolve({ exitCode: code, ...(signal ? { signal } : {}), timedOut }));
      });
    });
  }
}
