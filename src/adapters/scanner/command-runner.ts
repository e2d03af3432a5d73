import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { SECRET_SETTINGS } from '../../config/settings.js';
import { UpstreamError, UsageError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/runtime.js';
import type { CommandRequest, CommandResult, CommandRunner } from '../../domain/inspect/ports.js';

/** Output larger than this is not a report we can post about; stop reading rather than exhaust memory. */
const MAX_OUTPUT = 64 * 1024 * 1024;
const REPORT = '{report}';

/**
 * Switchyard's own credentials (settings) are not a scanner's business: a scanner or inventory
 * command is third-party code that may print or ship its environment. The runner is given
 * Settings.COMMAND_ENV (an allow-list: PATH, HOME, locale, plus COMMAND_ENV_PASSTHROUGH such as
 * KUBECONFIG or cloud credentials); these names are stripped again as a second line of defence.
 * The settings' own list of secrets, not a copy: a copy had drifted and missed the newer ones.
 */
const OWN_SECRETS = [...SECRET_SETTINGS, 'VAULT_ROLE_ID', 'REDIS_URL'];

export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of OWN_SECRETS) delete out[name];
  return out;
}

/**
 * Runs scanner and inventory commands as child processes (argv, no shell) and reads their
 * reports. `{report}` in argv becomes a file in a private temp directory that is removed after.
 * Neither stdout nor stderr is logged or put in an error: a scanner may print what it matched.
 */
export class ProcessCommandRunner implements CommandRunner {
  constructor(private readonly o: { reportsDir: string; log: Logger; env: Readonly<Record<string, string | undefined>> }) {}

  async run(req: CommandRequest): Promise<CommandResult> {
    const wantsReport = req.argv.some((a) => a.includes(REPORT));
    const dir = wantsReport ? await mkdtemp(join(tmpdir(), 'switchyard-scan-')) : undefined;
    const reportPath = dir ? join(dir, `report-${randomBytes(4).toString('hex')}`) : undefined;
    const argv = reportPath ? req.argv.map((a) => a.split(REPORT).join(reportPath)) : req.argv;
    try {
      const { stdout, exitCode } = await this.spawn(argv, req);
      if (reportPath) {
        const report = await readFile(reportPath, 'utf8').catch(() => '');
        if (report.trim()) return { output: report, exitCode };
        throw new UpstreamError(req.label, `\`${argv[0]}\` wrote no report (exit code ${exitCode})`, { retryable: exitCode !== 0 });
      }
      if (exitCode !== 0 && !stdout.trim())
        throw new UpstreamError(req.label, `\`${argv[0]}\` exited with code ${exitCode} and printed nothing`);
      return { output: stdout, exitCode };
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }

  private spawn(argv: string[], req: CommandRequest): Promise<{ stdout: string; exitCode: number }> {
    return new Promise((resolvePromise, reject) => {
      // Its own process group, so a timeout or cancel kills what the scanner started too
      // (semgrep-core, a wrapper script's children): they hold stdout open otherwise.
      const child = spawn(argv[0]!, argv.slice(1), {
        cwd: req.cwd,
        env: childEnv({ ...this.o.env }),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let stopped: 'timeout' | 'cancelled' | undefined;
      const stop = (why: 'timeout' | 'cancelled') => {
        stopped ??= why;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL'); // the group is gone already
        }
      };
      const timer = setTimeout(() => stop('timeout'), req.timeoutMs);
      const onAbort = () => stop('cancelled');
      if (req.signal?.aborted) onAbort();
      else req.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
      };
      const chunks: Buffer[] = [];
      let size = 0;
      let stderrBytes = 0;
      child.stdout.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_OUTPUT) chunks.push(c);
      });
      child.stderr.on('data', (c: Buffer) => {
        stderrBytes += c.length;
      });
      // A killed scanner whose output is still held open by a process that left the group.
      child.on('exit', () => {
        if (stopped) {
          child.stdout.destroy();
          child.stderr.destroy();
        }
      });
      child.on('error', (err: NodeJS.ErrnoException) => {
        settle();
        reject(new UpstreamError(req.label, `cannot start \`${argv[0]}\` (${err.code ?? err.name})`, { retryable: false }));
      });
      child.on('close', (code, signal) => {
        settle();
        if (stopped === 'cancelled') return reject(new UpstreamError(req.label, 'cancelled', { retryable: false }));
        if (stopped === 'timeout')
          return reject(new UpstreamError(req.label, `\`${argv[0]}\` was stopped by SIGKILL after its timeout of ${req.timeoutMs} ms`));
        if (signal) return reject(new UpstreamError(req.label, `\`${argv[0]}\` was stopped by ${signal}`));
        if (size > MAX_OUTPUT)
          return reject(new UpstreamError(req.label, `\`${argv[0]}\` printed more than ${MAX_OUTPUT} bytes`, { retryable: false }));
        this.o.log.debug({ command: argv[0], exitCode: code, stderrBytes }, 'command finished');
        resolvePromise({ stdout: Buffer.concat(chunks).toString('utf8'), exitCode: code ?? 0 });
      });
    });
  }

  async readReport(path: string): Promise<string> {
    const base = resolve(this.o.reportsDir);
    const full = resolve(base, path);
    const rel = relative(base, full);
    if (isAbsolute(path) || rel.startsWith('..') || isAbsolute(rel))
      throw new UsageError(`Report path \`${path}\` must stay inside the reports directory.`);
    try {
      return await readFile(full, 'utf8');
    } catch (err) {
      throw new UpstreamError('report', `cannot read \`${path}\` (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
        retryable: false,
      });
    }
  }
}
