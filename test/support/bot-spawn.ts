import { spawn, type ChildProcess } from 'node:child_process';
import type { Role } from '../../src/app/app.js';
import type { Harness } from './harness.js';
import { REDIS_URL, waitFor } from './redis.js';

export interface BotProcess {
  child: ChildProcess;
  /** Its health/metrics port (a web role also takes Slack there). */
  port: number;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Resolves once the bot logged a message matching `re` (given `logToStdout`). */
  logged(re: RegExp, timeoutMs?: number): Promise<void>;
}

/**
 * A bot in its own process (test/support/bot-process.ts) joined to the harness: same Redis prefix,
 * same local Slack. Resolves once it serves (it prints `port <n>`).
 */
export function spawnBot(
  h: Harness,
  o: { workflowsDir: string; env?: Record<string, string>; role?: Role; leaseMs?: number; logToStdout?: boolean },
): Promise<BotProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/bot-process.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...o.env,
      SWITCHYARD_TEST_WIRING: JSON.stringify({
        ...h.wiring,
        redisUrl: REDIS_URL,
        workflowsDir: o.workflowsDir,
        ...(o.role ? { role: o.role } : {}),
        ...(o.leaseMs ? { leaseMs: o.leaseMs } : {}),
        ...(o.logToStdout ? { logToStdout: true } : {}),
      }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const logged = (re: RegExp, timeoutMs = 20_000) =>
    waitFor(() => out.split('\n').some((l) => l.startsWith('log ') && re.test(l)), timeoutMs, `a log line matching ${re}`).then(
      () => undefined,
    );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`bot process did not start: ${out}`)), 25_000);
    child.stdout!.on('data', () => {
      const m = /^port (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, port: Number(m[1]), exited, logged });
      }
    });
    void exited.then((code) => reject(new Error(`bot process exited (${code}): ${out}`)));
  });
}
