import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesOf } from '../../src/domain/services.js';
import { startHarness, type Harness } from '../support/harness.js';
import { spawnBot } from '../support/bot-spawn.js';
import { companionsModule, runIdOf, testPipelines, threadTexts, waitRunText } from './support.js';

const WORKFLOWS = 'test/pipelines/crash-workflows';

/** Whether a live (not zombie) process is left in the group: PID 1 here may not reap orphans. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  for (const name of readdirProc()) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] !== 'Z' && Number(rest[2]) === pgid) return true;
    } catch {
      // gone
    }
  }
  return false;
}
const readdirProc = () => readdirSync('/proc').filter((n) => /^\d+$/.test(n));

describe('a worker killed during a shell stage (kill -9)', () => {
  let h: Harness;
  let dir: string;
  let bot: ChildProcess | undefined;
  let firstPid = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-crash-'));
    h = await startHarness({
      name: 'pipelines-crash',
      modules: [testPipelines({ workflowsDir: WORKFLOWS }), companionsModule],
      env: { TMPDIR: dir },
    });
  });
  afterAll(async () => {
    bot?.kill('SIGKILL');
    if (firstPid && groupAlive(firstPid)) process.kill(-firstPid, 'SIGKILL');
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // A real child bot (tsx start-up), a kill, a restart and two deploys: more than the 30 s default.
  it(
    'keeps the deploy lock until the command it left running is dead; the next deploy never overlaps it',
    { timeout: 120_000 },
    async () => {
      // Only the bot process serves and works while the first deploy starts.
      await h.stopBot();
      const spawned = await spawnBot(h, { workflowsDir: WORKFLOWS, env: { TMPDIR: dir } });
      bot = spawned.child;
      h.slack.setBotUrl(`http://127.0.0.1:${spawned.port}/slack/events`);
      const first = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run crash-deploy --env staging')).text);
      await h.slack.waitFor(() => existsSync(join(dir, 'first.pid')) && readFileSync(join(dir, 'first.pid'), 'utf8').trim(), {
        timeoutMs: 15_000,
      });
      firstPid = Number(readFileSync(join(dir, 'first.pid'), 'utf8').trim());
      expect(groupAlive(firstPid)).toBe(true);

      // The bot dies outright: no shutdown code runs, its command lives on in its own process group.
      const exited = new Promise((r) => bot!.once('exit', r));
      bot.kill('SIGKILL');
      await exited;
      bot = undefined;
      expect(groupAlive(firstPid)).toBe(true);

      // A worker starts on this host (the harness's own bot) and a second deploy is asked for.
      await h.startBot();
      const second = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run crash-followup --env staging');
      const secondId = runIdOf(second.text);
      await waitRunText(h, 'C0DEPLOYS', secondId, /: succeeded/, 30_000);

      // The second deploy ran only once nothing of the first command was alive.
      expect(readFileSync(join(dir, 'second.check'), 'utf8').trim()).toBe('no');
      expect(groupAlive(firstPid)).toBe(false);
      expect(existsSync(join(dir, 'first.done'))).toBe(false); // killed, not finished: its 40 s sleep never ran out
      const pipelines = servicesOf(h.app.ctx).get('pipelines');
      const [a, b] = [(await pipelines.getRun(first))!, (await pipelines.getRun(secondId))!];
      expect(a.status).toBe('failed');
      expect(b.startedAt!).toBeGreaterThanOrEqual(a.finishedAt!);
      expect(threadTexts(h, 'C0DEPLOYS', first).join('\n')).toContain('its worker stopped during attempt 1 of 1');
    },
  );
});
