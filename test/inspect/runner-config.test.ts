import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessCommandRunner } from '../../src/adapters/scanner/command-runner.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { inspectorsFileSchema, loadInspectConfig } from '../../src/domain/inspect/config.js';
import { ReportError } from '../../src/domain/inspect/report-error.js';
import { fillArgv, runScan } from '../../src/domain/inspect/runner.js';
import { redactSecrets } from '../../src/domain/inspect/leaks.js';
import { waitFor } from '../support/redis.js';

/** A zombie counts as gone: `ps` state Z, or no such process at all. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

// The scanner adapter runs real child processes; the config schema refuses what cannot work.
describe('scanner command runner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-runner-'));
  const runner = new ProcessCommandRunner({ reportsDir: dir, log: silentLogger, env: { PATH: process.env.PATH } });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the {report} file a scanner writes even when it exits non-zero, and removes it after', async () => {
    const res = await runner.run({
      argv: ['sh', '-c', 'echo "{\\"SchemaVersion\\":2}" > "$1"; exit 1', 'scan', '{report}'],
      timeoutMs: 5000,
      label: 'inspector t',
    });
    expect(res).toEqual({ output: '{"SchemaVersion":2}\n', exitCode: 1 });
  });

  it('takes stdout as the report without {report}, and names the exit code when there is none', async () => {
    expect((await runner.run({ argv: ['echo', '[]'], timeoutMs: 5000, label: 'inventory' })).output).toBe('[]\n');
    await expect(
      runner.run({ argv: ['sh', '-c', 'echo "token=hunter2-secret" >&2; exit 3'], timeoutMs: 5000, label: 'inventory' }),
    ).rejects.toThrow('inventory: `sh` exited with code 3 and printed nothing');
    await expect(runner.run({ argv: ['sh', '-c', 'exit 0', 'x', '{report}'], timeoutMs: 5000, label: 'inspector t' })).rejects.toThrow(
      'wrote no report',
    );
  });

  it('stops a scanner at its timeout and reports a missing program', async () => {
    await expect(runner.run({ argv: ['sleep', '5'], timeoutMs: 150, label: 'inspector slow' })).rejects.toThrow(/stopped by SIGKILL/);
    await expect(runner.run({ argv: ['no-such-scanner-xyz'], timeoutMs: 1000, label: 'inspector x' })).rejects.toThrow(
      'cannot start `no-such-scanner-xyz` (ENOENT)',
    );
  });

  it('kills what a timed-out or cancelled scanner started, not only the scanner', async () => {
    for (const how of ['timeout', 'cancel'] as const) {
      const pidFile = join(dir, `grandchild-${how}`);
      const ctrl = new AbortController();
      const run = runner.run({
        argv: ['sh', '-c', 'sleep 60 & echo $! > "$1"; wait', 'scan', pidFile],
        timeoutMs: how === 'timeout' ? 300 : 30_000,
        signal: ctrl.signal,
        label: 'inspector wrapped',
      });
      const pid = await waitFor(
        () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) || undefined : undefined),
        5000,
        'the grandchild',
      );
      if (how === 'cancel') ctrl.abort();
      await expect(run).rejects.toThrow(
        how === 'timeout' ? 'was stopped by SIGKILL after its timeout of 300 ms' : 'inspector wrapped: cancelled',
      );
      await waitFor(() => !alive(pid), 5000, `grandchild ${pid} gone`);
    }
  });

  it("keeps Switchyard's own credentials out of a scanner's environment", async () => {
    const own = new ProcessCommandRunner({
      reportsDir: dir,
      log: silentLogger,
      env: { PATH: process.env.PATH, KUBECONFIG: '/etc/kube', SLACK_BOT_TOKEN: 'xoxb-1', VAULT_TOKEN: 'hvs.2', GITHUB_TOKEN: 'ghp_3' },
    });
    const res = await own.run({
      argv: [process.execPath, '-e', 'process.stdout.write(Object.keys(process.env).sort().join(","))'],
      timeoutMs: 5000,
      label: 'inventory',
    });
    expect(res.output.split(',')).toEqual(['KUBECONFIG', 'PATH']);
  });

  it('reads report paths only inside the reports directory', async () => {
    writeFileSync(join(dir, 'r.sarif'), '{}');
    expect(await runner.readReport('r.sarif')).toBe('{}');
    await expect(runner.readReport('../../etc/passwd')).rejects.toThrow('must stay inside the reports directory');
    await expect(runner.readReport('/etc/passwd')).rejects.toThrow('must stay inside the reports directory');
    await expect(runner.readReport('missing.json')).rejects.toThrow('cannot read `missing.json` (ENOENT)');
  });
});

describe('scanner output that quotes a secret', () => {
  it('keeps the parser faithful but redacts the value before it can reach a channel', async () => {
    const file = inspectorsFileSchema.parse({
      inspectors: { codeql: { type: 'scan', format: 'sarif', command: ['cat', 'test/inspect/samples/codeql.sarif'] } },
    });
    const deps = {
      config: { file, policy: { rules: [] }, policies: {} },
      commands: new ProcessCommandRunner({ reportsDir: '.', log: silentLogger, env: { PATH: process.env.PATH } }),
      logs: { logs: async () => [] },
      now: () => 0,
    };
    const def = file.inspectors.codeql;
    if (def?.type !== 'scan') throw new Error('scan inspector expected');
    const result = await runScan(deps, 'codeql', def, { service: 'payments', env: 'production', ref: 'v2.0.0' });
    expect(result.verdict).toBe('fail');
    const creds = result.findings.find((f) => f.id === 'js/hardcoded-credentials')!;
    expect(creds.title).toBe('The hard-coded value "••••" is used as [authorization header](1).');
    expect(JSON.stringify(result)).not.toContain('sk_live_51HxQ2bT9kLmN3pR7vW4yZ8c');
    expect(redactSecrets('key AKIA' + 'QX7RT2MZ4KLP9WNB leaked; password=' + 'q8Zr2Lw9Xv4Nk7Tb1Hy6Md3P')).toBe(
      'key •••• leaked; password=••••',
    );
    expect(redactSecrets('Unused variable "retriesRemainingCounter".')).toBe('Unused variable "retriesRemainingCounter".');
  });
});

describe('placeholders and configuration', () => {
  it('fills placeholders and refuses a value that would read as an option', () => {
    expect(
      fillArgv(['trivy', 'image', 'reg/{service}:{version}', '{env}'], { service: 'checkout', env: 'production', ref: 'v1.5.0' }),
    ).toEqual(['trivy', 'image', 'reg/checkout:v1.5.0', 'production']);
    expect(() => fillArgv(['scan', '{ref}'], { service: 'x', env: 'e', ref: '--config=/tmp/evil' })).toThrow(ReportError);
  });

  it('loads the shipped config/inspectors.yml and its policy file', () => {
    const c = loadInspectConfig('config');
    expect(Object.keys(c.file.inspectors)).toEqual(['policy', 'secrets', 'trivy', 'semgrep', 'drift']);
    expect(c.policy.rules.map((r) => r.id)).toContain('prod-from-tags');
    expect(c.file.landingZone.production).toMatchObject({ every: 3_600_000, inspectors: ['drift', 'trivy'] });
  });

  it('refuses a landing-zone schedule naming a pipeline-only or unknown inspector, and a bad schedule', () => {
    const base = { inspectors: { policy: { type: 'policy' }, drift: { type: 'drift' } }, inventory: { command: ['inv'] } };
    const bad = inspectorsFileSchema.safeParse({ ...base, landingZone: { production: { every: '1h', inspectors: ['policy', 'nope'] } } });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => i.message).join('\n');
    expect(messages).toContain('policy is a policy inspector, which needs a pipeline run');
    expect(messages).toContain('unknown inspector nope (known: policy, drift)');
    const both = inspectorsFileSchema.safeParse({
      ...base,
      landingZone: { production: { every: '1h', cron: '0 * * * *', inspectors: ['drift'] } },
    });
    expect(both.error?.issues[0]?.message).toBe('give exactly one of `every` or `cron`');
    const shell = inspectorsFileSchema.safeParse({ inspectors: { s: { type: 'scan', format: 'sarif', command: 'semgrep --sarif' } } });
    expect(shell.success).toBe(false);
  });
});
