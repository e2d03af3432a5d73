import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitRunbookHistory } from '../../src/adapters/git/runbook-history.js';
import { createRunbooksModule } from '../../src/app/modules/runbooks.js';
import { companionsModule, testPipelines } from '../pipelines/support.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FIXTURES, runIdIn, runOf } from './support.js';

// Where the runbooks folder is a git checkout, a run records its commit and `/runbook show` says
// who last changed the file (read with the real git, from a repository made here).
describe('runbook evidence from git', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-rb-git-'));
  let h: Harness;
  let commit: string;
  beforeAll(async () => {
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Rita Runbook', '-c', 'user.email=rita@example.com', ...args], { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    copyFileSync(join(FIXTURES, 'ops-drill.yml'), join(dir, 'ops-drill.yml'));
    git('add', 'ops-drill.yml');
    git('commit', '-q', '-m', 'ops drill');
    commit = git('rev-parse', 'HEAD').trim();
    h = await startHarness({
      name: 'runbooks-git',
      modules: [testPipelines(), companionsModule, (ctx) => createRunbooksModule(ctx, { dir, history: new GitRunbookHistory() })],
    });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows who last changed a runbook and records the commit a run used', async () => {
    const show = await h.command('U0GRACE', 'C0NOC', '/runbook show ops-drill');
    expect(show.text).toContain(`last changed by Rita Runbook on ${new Date().toISOString().slice(0, 4)}`);
    expect(show.text).toContain(commit.slice(0, 12));
    const id = runIdIn((await h.command('U0ERIN', 'C0NOC', '/runbook run ops-drill')).text);
    expect((await runOf(h, id))!.commit).toBe(commit);
    const started = (await h.app.ctx.audit.query({ action: 'runbook.run.started' })).find((e) => e.target === id);
    expect(started?.detail).toContain(`at commit ${commit.slice(0, 12)}`);
  });
});
