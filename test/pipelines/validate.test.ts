import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkWorkflowFiles, validateWorkflowFiles } from '../../src/domain/pipelines/load.js';
import { shellSettings } from '../../src/domain/pipelines/kinds/shell.js';
import { githubSettings } from '../../src/domain/pipelines/kinds/ci.js';
import { startHarness } from '../support/harness.js';
import { testPipelines } from './support.js';

const kinds = [
  { kind: 'shell', settings: shellSettings },
  { kind: 'github-actions', settings: githubSettings },
  { kind: 'approval', settings: z.record(z.string(), z.unknown()) },
];

const good = `
name: web
service: web
team_channel: C0DEPLOYS
environments: { staging: {} }
params: { version: { required: true } }
stages:
  - { id: build, kind: shell, with: { command: "make \${{ params.version }}" } }
`;

describe('workflow validation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-wf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const sub = mkdtempSync(join(dir, 'case-'));
    writeFileSync(join(sub, name), text);
    return sub;
  };

  it('accepts the shipped example workflows (with permissive approval/inspect schemas, as the CLI does)', () => {
    const res = spawnSync('npx', ['tsx', 'src/cli/workflows-check.ts'], { encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('checkout-deploy');
    expect(res.stdout).toContain('payments-release');
  });

  it('names the file, the path inside it and what is wrong', () => {
    const cases: Array<[string, string]> = [
      [good.replace('kind: shell', 'kind: shel'), 'stages.0.kind: unknown stage kind shel (kinds: approval, github-actions, shell)'],
      [good.replace('command: "make ${{ params.version }}"', 'comand: make'), 'stages.0.with.command:'],
      [good.replace('params.version', 'params.versoin'), 'stages.0.with.command: unknown parameter params.versoin'],
      [good.replace('team_channel: C0DEPLOYS', 'team_channel: deploys'), 'team_channel: a Slack channel id'],
      [`${good}  - { id: test, kind: shell, needs: [deploy], with: { command: x } }\n`, 'stages.1.needs.0: unknown stage deploy'],
      [
        `${good.replace('- { id: build, kind: shell,', '- { id: build, kind: shell, needs: [test],')}` +
          '  - { id: test, kind: shell, needs: [build], with: { command: x } }\n',
        'cycle: build -> test -> build',
      ],
      [good.replace('environments: { staging: {} }', 'environments: { staging: {} }\nretries: 3'), 'Unrecognized key: "retries"'],
      ['name: [unclosed', 'not valid YAML'],
    ];
    for (const [text, expected] of cases) {
      const sub = write('web.yml', text);
      const { errors } = checkWorkflowFiles(sub, kinds);
      expect(errors.join('\n'), text).toContain(`${join(sub, 'web.yml')}: `);
      expect(errors.join('\n'), text).toContain(expected);
      expect(() => validateWorkflowFiles(sub, kinds)).toThrow(/Invalid pipeline definitions/);
    }
    // `good` pastes a param into shell text, now refused (test/pipelines/injection.test.ts); its env-var form is valid.
    const safe = good.replace(
      'command: "make ${{ params.version }}"',
      'command: "make \\"$VERSION\\"", env: { VERSION: "${{ params.version }}" }',
    );
    expect(checkWorkflowFiles(write('web.yml', safe), kinds).errors).toEqual([]);
  });

  it('makes the CLI exit non-zero, and the bot refuse to start, on an invalid file', async () => {
    const sub = write('web.yml', good.replace('kind: shell', 'kind: approve'));
    const res = spawnSync('npx', ['tsx', 'src/cli/workflows-check.ts', sub], { encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`${join(sub, 'web.yml')}: stages.0.kind: unknown stage kind approve`);
    await expect(startHarness({ name: 'pipelines-bad', modules: [testPipelines({ workflowsDir: sub })] })).rejects.toThrow(
      /web\.yml: stages\.0\.kind: unknown stage kind approve/,
    );
  });
});
