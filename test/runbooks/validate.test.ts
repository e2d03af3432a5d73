import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkRunbookFiles, validateRunbookFiles } from '../../src/domain/runbooks/load.js';
import { companionsModule, testPipelines } from '../pipelines/support.js';
import { startHarness } from '../support/harness.js';
import { FIXTURES, testRunbooks } from './support.js';

// A bad runbook file stops start-up (and `npm run workflows:check`) naming the file and the path
// inside it; the shipped examples are valid.
describe('runbook files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-rb-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const good = readFileSync(join(FIXTURES, 'ops-drill.yml'), 'utf8');
  const write = (text: string) => {
    const sub = mkdtempSync(join(dir, 'case-'));
    writeFileSync(join(sub, 'bad.yml'), text);
    return sub;
  };
  const kinds = [
    { kind: 'shell', settings: z.object({ command: z.string(), env: z.record(z.string(), z.string()).optional() }).strict() },
    { kind: 'approval', settings: z.object({}) },
  ];

  it('names the file, the path inside it and what is wrong', () => {
    const cases: Array<[string, string]> = [
      [good.replace('kind: shell', 'kind: approval'), 'steps.1.run.kind: stage kind approval cannot run in a runbook step'],
      [good.replace('command: echo "restarted', 'comand: echo "restarted'), 'steps.2.run.with.(top): Unrecognized key: "comand"'],
      [
        good.replace('when: { step: probe, result: failed }', 'when: { step: verify, result: failed }'),
        'steps.2.when.step: verify is not an earlier step',
      ],
      [good.replace('roles: [noc]', 'roles: [nobody]'), 'allow.roles.0: role nobody is not in config/access.yml'],
      [good.replace('name: echo-params', 'name: no-such-pipeline'), 'steps.4.pipeline.name: unknown pipeline no-such-pipeline'],
      [
        good.replace('command: echo "restarted in $SWITCHYARD_ENV"', 'command: echo "${{ params.look }}"'),
        'would paste a value into shell code',
      ],
      [
        good.replace('    instruction: Nothing to do.\n', ''),
        'steps.3: a step has exactly one of instruction (manual), run (automated) or pipeline',
      ],
      ['name: [unclosed', 'not valid YAML'],
    ];
    for (const [text, expected] of cases) {
      const sub = write(text);
      const { errors } = checkRunbookFiles(sub, kinds, { roles: ['noc', 'admin'], pipelines: ['echo-params'] });
      expect(errors.join('\n'), expected).toContain(`${join(sub, 'bad.yml')}: `);
      expect(errors.join('\n'), expected).toContain(expected);
    }
    expect(checkRunbookFiles(write(good), kinds, { roles: ['noc'], pipelines: ['echo-params'] }).errors).toEqual([]);
    // A deployment without the folder has no runbooks (and starts); a file there is always checked.
    expect(checkRunbookFiles(join(dir, 'absent'), kinds)).toEqual({ runbooks: [], errors: [] });
  });

  it('refuses to start the bot on a bad runbook file, naming it', async () => {
    const sub = write(good.replace('kind: shell', 'kind: shel'));
    expect(() => validateRunbookFiles(sub, kinds)).toThrow(/Invalid runbooks/);
    await expect(startHarness({ name: 'runbooks-bad', modules: [testPipelines(), companionsModule, testRunbooks(sub)] })).rejects.toThrow(
      /bad\.yml: steps\.1\.run\.kind: stage kind shel cannot run in a runbook step/,
    );
  });

  it('accepts the shipped runbooks in npm run workflows:check', () => {
    const res = spawnSync('npx', ['tsx', 'src/cli/workflows-check.ts'], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/3 runbook\(s\) in .*runbooks are valid: communicate-outage, helpdesk-tier1, noc-demo-health/);
  });
});
