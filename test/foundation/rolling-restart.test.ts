import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesOf } from '../../src/domain/services.js';
import { spawnBot, type BotProcess } from '../support/bot-spawn.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/redis.js';
import { companionsModule, runIdOf, testPipelines, threadTexts } from '../pipelines/support.js';

// A rolling restart as an operator does it (issue 15): web in this process, two workers in their
// own processes; with ten deploys running, SIGTERM worker A, wait for it to exit, start it again,
// then the same for B. Every stage writes `start|end <run> <stage> <worker pid>` to a marker file,
// so "ran exactly once" and "finished under the worker that started it" are read, not inferred.
// The long stage of each deploy waits for a release file, so the test decides when it may end.
const DEPLOYS = 10;
const STAGES = ['prepare', 'work', 'finish'];

const note = (what: string, stage: string) => `echo "${what} $SWITCHYARD_RUN_ID ${stage} $PPID" >> "$TMPDIR/marks"`;
const mark = (stage: string, body: string) => `${note('start', stage)}; ${body}; ${note('end', stage)}`;
// $PPID: the shell runner execs the command's shell directly under the worker process. The hold
// also ends when the test's folder is gone, so a failed test leaves no loop behind its killed workers.
const RELEASE = '"$TMPDIR/release-$SWITCHYARD_RUN_ID"';
const HOLD = `i=0; while [ ! -e ${RELEASE} ] && [ -d "$TMPDIR" ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done; [ -e ${RELEASE} ]`;

function workflow(i: number): string {
  const stage = (id: string, body: string, needs?: string) =>
    [
      `  - id: ${id}`,
      '    kind: shell',
      ...(needs ? [`    needs: [${needs}]`] : []),
      '    with:',
      `      command: '${mark(id, body)}'`,
    ].join('\n');
  return [
    `name: roll-${i}`,
    `service: rollsvc${i}`,
    'team_channel: C0DEPLOYS',
    'allow:',
    '  roles: [deployer]',
    'environments:',
    '  staging: {}',
    'stages:',
    stage('prepare', 'sleep 0.2'),
    stage('work', HOLD, 'prepare'),
    stage('finish', 'sleep 0.2', 'work'),
    '',
  ].join('\n');
}

interface Mark {
  what: 'start' | 'end';
  run: string;
  stage: string;
  pid: number;
}

describe('a rolling restart of two workers while ten deploys run', () => {
  let h: Harness;
  let dir: string;
  let workflowsDir: string;
  const bots: BotProcess[] = [];

  const marks = (): Mark[] =>
    existsSync(join(dir, 'marks'))
      ? readFileSync(join(dir, 'marks'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => l.split(' '))
          .map(([what, run, stage, pid]) => ({ what: what as Mark['what'], run: run!, stage: stage!, pid: Number(pid) }))
      : [];
  const release = (runs: string[]) => runs.forEach((r) => writeFileSync(join(dir, `release-${r}`), ''));
  const worker = async () => {
    const b = await spawnBot(h, { workflowsDir, role: 'worker', leaseMs: 3000, logToStdout: true, env: { TMPDIR: dir } });
    bots.push(b);
    return b;
  };
  /**
   * SIGTERM; once the worker says it is draining (it takes no new stage and lets running ones
   * finish), the stages it holds may end. Released any earlier, they could end before the drain.
   */
  const rollOver = async (b: BotProcess, heldHere: string[]) => {
    b.child.kill('SIGTERM');
    if (heldHere.length) await b.logged(/draining: letting running stages finish/);
    release(heldHere);
    expect(await b.exited).toBe(0);
    return worker();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-rolling-'));
    workflowsDir = join(dir, 'workflows');
    mkdirSync(workflowsDir);
    for (let i = 0; i < DEPLOYS; i++) writeFileSync(join(workflowsDir, `roll-${i}.yml`), workflow(i));
    h = await startHarness({
      name: 'rolling-restart',
      role: 'web',
      modules: [testPipelines({ workflowsDir, leaseMs: 3000 }), companionsModule],
    });
  });
  afterAll(async () => {
    for (const b of bots) b.child.kill('SIGKILL');
    await Promise.all(bots.map((b) => b.exited));
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'loses nothing and fails no stage; each stage runs once, a stopping worker finishes what it started',
    { timeout: 180_000 },
    async () => {
      const a = await worker();
      const b = await worker();
      const runs: string[] = [];
      for (let i = 0; i < DEPLOYS; i++)
        runs.push(runIdOf((await h.command('U0BOB', 'C0DEPLOYS', `/pipeline run roll-${i} --env staging`)).text));
      // Every deploy is in its long stage, spread over the two workers however BullMQ handed them out.
      const working = await h.slack.waitFor(
        () => {
          const w = marks().filter((m) => m.what === 'start' && m.stage === 'work');
          return w.length === DEPLOYS ? w : undefined;
        },
        { timeoutMs: 60_000, message: `not every deploy reached its work stage: ${JSON.stringify(marks())}` },
      );
      expect(new Set(working.map((m) => m.pid)).size).toBeGreaterThan(0);
      expect(working.every((m) => m.pid === a.child.pid || m.pid === b.child.pid)).toBe(true);
      const on = (pid: number | undefined) => working.filter((m) => m.pid === pid).map((m) => m.run);

      const a2 = await rollOver(a, on(a.child.pid));
      await rollOver(b, on(b.child.pid));
      expect(a2.child.exitCode).toBeNull(); // A's replacement still serves

      const pipelines = servicesOf(h.app.ctx).get('pipelines');
      for (const id of runs) {
        const run = await waitFor(
          async () => {
            const r = await pipelines.getRun(id);
            return r && ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
          },
          30_000,
          `run ${id} finished`,
        );
        expect({ id, status: run.status, stages: run.stages.map((s) => `${s.id}:${s.status}`) }).toEqual({
          id,
          status: 'succeeded',
          stages: STAGES.map((s) => `${s}:succeeded`),
        });
        expect(threadTexts(h, 'C0DEPLOYS', id).join('\n')).not.toMatch(/worker stopped|interrupted/);
      }

      const all = marks();
      for (const id of runs) {
        for (const stage of STAGES) {
          const of = all.filter((m) => m.run === id && m.stage === stage);
          expect(
            of.map((m) => m.what),
            `${id} ${stage}`,
          ).toEqual(['start', 'end']);
          // Drained, not taken over: the worker that started a stage is the one that ended it.
          expect(of[0]!.pid, `${id} ${stage}`).toBe(of[1]!.pid);
        }
      }
    },
  );
});
