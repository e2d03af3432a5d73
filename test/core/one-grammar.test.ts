import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { registeredStageKinds } from '../../src/cli/stage-kinds.js';
import { loadSettings } from '../../src/config/settings.js';
import { MODULES } from '../../src/app/modules.js';
import { parseUserId } from '../../src/core/commands/args.js';
import type { ModuleFactory } from '../../src/core/module.js';
import * as incidents from '../../src/domain/incidents/model.js';
import * as injection from '../../src/domain/injection/placeholders.js';
import * as pipelines from '../../src/domain/pipelines/placeholders.js';
import { checkWorkflowFiles } from '../../src/domain/pipelines/load.js';
import * as plan from '../../src/domain/plan/model.js';
import { servicesOf, STAGE_KINDS } from '../../src/domain/services.js';

// Twice-written grammars drifted (a mention `<@U1>` was a user to incidents but not to planning).
describe('one grammar each', () => {
  it('pipelines and injection read `${{ }}` with the same function', () => {
    expect(injection.injectKeys).toBe(pipelines.injectKeys);
    const settings = {
      a: '${{inject.db_password}}',
      b: ['${{ inject.vpc-id }} ${{ params.ref }}'],
      c: '${{ INJECT.x }} ${{ inject.bad key }}',
    };
    expect(injection.injectKeys(settings)).toEqual(['db_password', 'vpc-id']);
    // What render shows is what the engine substitutes: the same placeholders, the others left as written.
    const rendered = injection.substituteInject(settings, (k) => `<${k}>`);
    const resolved = pipelines.substitute(settings, (ns, key, written) => (ns === 'inject' ? `<${key}>` : written));
    expect(rendered).toEqual(resolved);
    expect(rendered).toEqual({ a: '<db_password>', b: ['<vpc-id> ${{ params.ref }}'], c: '${{ INJECT.x }} ${{ inject.bad key }}' });
  });

  it('incidents and planning read a user with the same function', () => {
    expect(incidents.parseUser).toBe(parseUserId);
    expect(plan.parseUser).toBe(parseUserId);
    expect(incidents.parseUser('<@U1>')).toBeNull();
    expect(plan.parseUser('<@U0BOB>')).toBe('U0BOB');
  });
});

describe('workflows:check reads the stage kinds the app registers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-kinds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const settings = loadSettings(process.env);
  const workflow = (kind: string) => {
    const sub = mkdtempSync(join(dir, 'case-'));
    writeFileSync(
      join(sub, 'web.yml'),
      `name: web\nservice: web\nteam_channel: C0DEPLOYS\nenvironments: { staging: {} }\n` +
        `stages:\n  - { id: one, kind: ${kind}, with: {} }\n`,
    );
    return sub;
  };

  it('builds the production modules and finds every kind they register, with no I/O', () => {
    const registered = registeredStageKinds(settings);
    const kinds = registered.map((k) => k.kind).sort();
    expect(kinds).toEqual([
      'approval',
      'argocd',
      'cloudformation',
      'github-actions',
      'gitlab',
      'http',
      'inspect',
      'jenkins',
      'shell',
      'terraform',
    ]);
  });

  it('accepts every registered kind and refuses an unknown one, listing them all', () => {
    const registered = registeredStageKinds(settings);
    for (const k of registered) {
      const { errors } = checkWorkflowFiles(workflow(k.kind), registered);
      expect(errors.join('\n'), k.kind).not.toContain('unknown stage kind');
    }
    const res = spawnSync('npx', ['tsx', 'src/cli/workflows-check.ts', workflow('deploy-magic')], { encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(
      `unknown stage kind deploy-magic (kinds: ${registered
        .map((k) => k.kind)
        .sort()
        .join(', ')})`,
    );
  });

  it('a kind a module adds is known at once: there is no second list to update', () => {
    const canary: ModuleFactory = (ctx) => {
      servicesOf(ctx).add(STAGE_KINDS, {
        kind: 'canary',
        settings: z.object({ percent: z.number() }).strict(),
        run: async () => ({ status: 'succeeded' }),
      });
      return { name: 'canary' };
    };
    const registered = registeredStageKinds(settings, [...MODULES, canary]);
    expect(checkWorkflowFiles(workflow('canary'), registered).errors.join('\n')).toContain('stages.0.with.percent');
    expect(checkWorkflowFiles(workflow('canary'), registeredStageKinds(settings)).errors.join('\n')).toContain('unknown stage kind canary');
  });
});
