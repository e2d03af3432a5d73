import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planModule } from '../../src/app/wire-plan.js';
import type { RunInfo } from '../../src/domain/contracts.js';
import { loadInspectConfig } from '../../src/domain/inspect/config.js';
import type { RunDoc } from '../../src/domain/pipelines/model.js';
import { resolveStageSettings } from '../../src/domain/pipelines/stage-settings.js';
import { servicesOf } from '../../src/domain/services.js';
import { incidentIdIn, startIncidents, type IncidentsHarness } from '../incidents/support.js';
import { startHarness } from '../support/harness.js';
import { companionsModule, runIdOf, testPipelines } from './support.js';

// From the attacker's side: a deployer types hostile refs, params and links. Nothing they type
// may run as shell code, and a refused value leaves no run behind (issue #12 §1 and §7).
describe('no command injection through run parameters', () => {
  let ih: IncidentsHarness;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pwn-'));
  const pwned = (name: string) => join(dir, `pwned-${name}`);
  beforeAll(async () => {
    ih = await startIncidents('pipe-inject', { extraModules: [testPipelines(), companionsModule, planModule] });
  });
  afterAll(async () => {
    await ih?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const engine = () => servicesOf(ih.h.app.ctx).get('pipelines');
  const runCount = async () => (await ih.h.app.ctx.store.zRange(ih.h.app.ctx.store.key('pipelines', 'runs', 'all'))).length;
  const run = (line: string, user = 'U0BOB') => ih.h.command(user, 'C0DEPLOYS', `/pipeline run ${line}`);
  const finished = async (id: string): Promise<RunInfo> => {
    for (let i = 0; i < 500; i++) {
      const r = await engine().getRun(id);
      if (r && ['succeeded', 'failed', 'cancelled'].includes(r.status)) return r;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`run ${id} did not finish`);
  };
  /** The echo stage's output lines, without their time stamps. */
  const stageLog = async (id: string) => (await engine().logs(id, 'echo', 20)).map((l) => l.replace(/^\[[\d:]+\] /, ''));
  /** Refused with `expected` in the answer, and no run was created. */
  const refused = async (line: string, expected: string | RegExp) => {
    const before = await runCount();
    const res = await run(line);
    expect(res.text, line).toMatch(expected);
    expect(res.text, line).not.toMatch(/Started run|is queued behind/);
    expect(await runCount(), line).toBe(before);
    return res;
  };

  it('refuses a ref carrying shell syntax before a run exists, and nothing runs it', async () => {
    const target = pwned('ref');
    await refused(`demo-deploy --env staging --ref 'main$(id > ${target})'`, /`--ref` must be a git branch, tag or commit/);
    await refused(`demo-deploy --env staging --ref 'main\`touch ${target}\`'`, /refused because/);
    for (const meta of ['main;id', 'main|id', 'main&&id', 'main>x', 'main<x', 'main$HOME', 'main`id`', 'm(a)in', `main"x`]) {
      await refused(`echo-params --env staging --ref '${meta}'`, /shell metacharacter/);
    }
    await refused(`demo-deploy --env staging --ref 'main";touch ${target};"'`, /refused because/);
    for (const bad of [
      '-rf',
      'a..b',
      'x.lock',
      'feature/',
      'a//b',
      '@',
      'a@{1}',
      '.hidden',
      'dir/.x',
      'a~1',
      'a^',
      'a:b',
      'a?',
      'a*',
      'a[1',
      'end.',
    ]) {
      await refused(`echo-params --env staging --ref '${bad}'`, /`--ref` must be a git branch, tag or commit/);
    }
    expect(existsSync(target)).toBe(false);
    // Real refs still pass.
    const ok = runIdOf((await run('echo-params --env staging --ref release/2024-06_rc.1')).text);
    expect((await finished(ok)).ref).toBe('release/2024-06_rc.1');
  });

  it('hands backticks, $() and a quote breakout in --param to the command as literal data', async () => {
    const note = `"; touch ${pwned('quote')}; echo "\`touch ${pwned('tick')}\`$(touch ${pwned('subst')})`;
    const res = await run(`echo-params --env staging --param 'note=${note}' --ref v1.0.0`);
    const id = runIdOf(res.text);
    const done = await finished(id);
    expect(done.status).toBe('succeeded');
    expect(done.params.note).toBe(note);
    const logs = await stageLog(id);
    expect(logs).toContain(`note=${note}`);
    expect(logs).toContain('ref=v1.0.0');
    expect(logs).toContain(`count=1 mode=safe dry=false env=staging run=${id}`);
    for (const f of ['quote', 'tick', 'subst']) expect(existsSync(pwned(f)), f).toBe(false);
  });

  it('checks typed params by their declared type and stores nothing when one is wrong', async () => {
    await refused(`echo-params --env staging --param 'count=1; touch ${pwned('num')}'`, /Parameter `count` is a number/);
    await refused('echo-params --env staging --param count=1e999', /is a number/);
    await refused('echo-params --env staging --param count=NaN', /is a number/);
    await refused(`echo-params --env staging --param count=${'9'.repeat(400)}`, /is a number/);
    await refused('echo-params --env staging --param mode=turbo', /must be one of: fast, safe/);
    await refused('echo-params --env staging --param dry=yes', /true or false/);
    await refused('echo-params --env staging --param constructor=x', /has no parameter `constructor`/);
    expect(existsSync(pwned('num'))).toBe(false);
    const ok = runIdOf((await run('echo-params --env staging --param count=-2.5 --param mode=fast --param dry=true')).text);
    expect((await finished(ok)).status).toBe('succeeded');
    expect(await stageLog(ok)).toContain(`count=-2.5 mode=fast dry=true env=staging run=${ok}`);
  });

  it('fails a stored stage whose settings still paste into shell text instead of running it', async () => {
    const doc = {
      id: 'r0',
      service: 'demo',
      env: 'staging',
      ref: 'main',
      pipeline: 'demo-deploy',
      triggeredBy: 'U0BOB',
      params: {},
    } as unknown as RunDoc;
    const stage = {
      id: 'build',
      kind: 'shell',
      with: { command: `echo \${{ run.ref }}; touch ${pwned('stored')}` },
    } as unknown as RunDoc['stages'][number];
    await expect(resolveStageSettings(ih.h.app.ctx, doc, stage, async () => {})).rejects.toThrow(/use "\$SWITCHYARD_REF" in the command/);
  });

  it('--fix names an open incident: unknown, malformed and resolved ones are refused', async () => {
    await refused('echo-params --env staging --fix INC-999', /Unknown incident `INC-999`/);
    await refused('echo-params --env staging --fix PLAN-1', /Unknown incident `PLAN-1`/);
    const id = incidentIdIn(
      (await ih.h.command('U0ERIN', 'C0INCIDENTS', '/incident declare sev3 "Checkout answers slowly" --service checkout')).text,
    );
    await ih.ready(id);
    const fix = runIdOf((await run(`echo-params --env staging --fix ${id.toLowerCase()}`)).text);
    expect((await finished(fix)).fixIncident).toBe(id);
    expect((await ih.h.command('U0ERIN', 'C0INCIDENTS', `/incident resolve "Cache warmed" --id ${id}`)).text).toContain('resolved');
    const res = await refused(`echo-params --env staging --fix ${id}`, new RegExp(`${id} is resolved`));
    expect(res.text).toContain('--fix');
    // Retrying the fix run after the incident was resolved still runs, no longer as its fix.
    const again = runIdOf((await ih.h.command('U0BOB', 'C0DEPLOYS', `/pipeline retry ${fix} --from echo`)).text);
    const retried = await finished(again);
    expect(retried.status).toBe('succeeded');
    expect(retried.fixIncident).toBeUndefined();
  });

  it('--plan links existing plan items (and ships them in production); unknown, malformed and dropped ones are refused', async () => {
    const added = await ih.h.command('U0BOB', 'C0CHECKOUT', '/plan add "Faster demo deploys" --service demo');
    const item = /PLAN-\d+/.exec(added.text)![0];
    const other = /PLAN-\d+/.exec((await ih.h.command('U0BOB', 'C0CHECKOUT', '/plan add "Never shipped" --service demo')).text)![0];
    await ih.h.command('U0BOB', 'C0CHECKOUT', `/plan drop ${other} "not needed"`);
    await refused('echo-params --env staging --plan PLAN-9999', /Unknown plan item/);
    await refused('echo-params --env staging --plan INC-1', /not a plan item id/);
    await refused(`echo-params --env staging --plan ${other}`, new RegExp(`${other} was dropped`));
    const id = runIdOf((await run(`demo-deploy --env production --plan ${item.toLowerCase()}`)).text);
    const done = await finished(id);
    expect(done.status).toBe('succeeded');
    expect(done.params.plan).toBe(item);
    let shown = '';
    for (let i = 0; i < 100 && !shown.includes(id); i++) {
      shown = (await ih.h.command('U0BOB', 'C0CHECKOUT', `/plan show ${item}`)).text;
      if (!shown.includes(id)) await new Promise((r) => setTimeout(r, 50));
    }
    expect(shown).toContain(id);
    // Rolling back to that run (as an incident's Roll back does) reuses its params but ships no item.
    const actor = await ih.h.app.ctx.access.actor('U0BOB');
    const rollback = await engine().startRun({
      pipeline: 'demo-deploy',
      env: 'production',
      ref: done.ref,
      params: done.params,
      actor,
      channel: 'C0DEPLOYS',
      rollbackOf: id,
    });
    expect(rollback.params.plan).toBeUndefined();
    expect((await finished(rollback.id)).status).toBe('succeeded');
  });
});

describe('workflows:check and start-up refuse values pasted into commands', () => {
  const fixture = 'test/pipelines/unsafe-workflows';

  it('workflows:check exits non-zero naming file, stage and path, with the env-var form to use', () => {
    const res = spawnSync('npx', ['tsx', 'src/cli/workflows-check.ts', fixture], { encoding: 'utf8' });
    expect(res.status).toBe(1);
    const file = join(fixture, 'pasted.yml');
    expect(res.stderr).toContain(
      `${file}: stages.0.with.command (stage build): \${{ params.version }} would paste a value into shell code: ` +
        'use "$SWITCHYARD_PARAM_VERSION" in the command instead',
    );
    expect(res.stderr).toContain(
      `${file}: stages.0.with.command (stage build): \${{ run.ref }} would paste a value into shell code: ` +
        'use "$SWITCHYARD_REF" in the command',
    );
    expect(res.stderr).toContain(`${file}: stages.0.with.cwd (stage build): \${{ params.version }}`);
    expect(res.stderr).toContain(
      `${file}: stages.1.with.command (stage migrate): \${{ inject.db_password }} would paste a value into shell code: ` +
        "declare it in the stage's env (`env: { DB_PASSWORD: ${{ inject.db_password }} }`) " +
        'and use "$DB_PASSWORD" in the command',
    );
  });

  it('the bot refuses to start with such a file', async () => {
    await expect(startHarness({ name: 'pipelines-pasted', modules: [testPipelines({ workflowsDir: fixture })] })).rejects.toThrow(
      /pasted\.yml: stages\.0\.with\.command \(stage build\): \$\{\{ params\.version \}\} would paste/,
    );
  });

  it('inspectors.yml refuses a scanner argv or inventory command that interpolates a typed value', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'switchyard-insp-'));
    try {
      writeFileSync(
        join(tmp, 'inspectors.yml'),
        [
          `policyFile: ${join(process.cwd(), 'config/policies/default.yml')}`,
          'inspectors:',
          '  trivy:',
          '    type: scan',
          '    format: trivy',
          "    command: [trivy, image, 'registry.example.com/app:${{ params.ref }}']",
          'inventory:',
          "  command: [./inventory.sh, '${{ run.env }}']",
        ].join('\n'),
      );
      expect(() => loadInspectConfig(tmp)).toThrow(
        new RegExp(
          [
            'inspectors\\.trivy\\.command\\.2: \\$\\{\\{ params\\.ref \\}\\} would paste a typed value into a command: ',
            'use the argument placeholder \\{ref\\} instead',
          ].join(''),
        ),
      );
      expect(() => loadInspectConfig(tmp)).toThrow(
        new RegExp(
          [
            'inventory\\.command\\.1: \\$\\{\\{ run\\.env \\}\\} would paste a typed value into a command: ',
            'use the argument placeholder \\{env\\} instead',
          ].join(''),
        ),
      );
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
