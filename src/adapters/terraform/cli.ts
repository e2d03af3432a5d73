import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import type { ShellRunner } from '../../domain/pipelines/ports.js';
import type { TerraformTool } from '../../domain/pipelines/kinds/terraform-tool.js';

export interface TerraformCliOptions {
  /** The binary: `terraform`, `tofu` (OpenTofu) or a path (TERRAFORM_BIN). */
  bin: string;
  /** Working directories are relative to this (TERRAFORM_ROOT). */
  root: string;
  /** Where saved plans go (TERRAFORM_PLAN_DIR); they hold variable values, so it is private (0700). */
  planDir: string;
}

/**
 * Runs terraform through the shell runner, so it gets what shell stages get: its own process
 * group, the stage timeout, a cancel that kills it, a record while it runs, and only the
 * environment COMMAND_ENV allows plus what the stage adds (TF_VAR_*). The command text is built
 * from constant words and "$SWITCHYARD_TF_ARG_n" references: no workflow value is shell syntax.
 */
export class TerraformCli implements TerraformTool {
  constructor(
    private readonly runner: ShellRunner,
    private readonly o: TerraformCliOptions,
  ) {}

  workdir(dir: string): string {
    const abs = resolve(this.o.root, dir);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new ConfigError(`terraform working directory ${dir} does not exist`);
    return abs;
  }

  planPath(runId: string, stageId: string): string {
    return join(this.o.planDir, `${runId}-${stageId}.tfplan`.replace(/[^A-Za-z0-9_.-]/g, '_'));
  }

  async run(o: Parameters<TerraformTool['run']>[0]) {
    await mkdir(this.o.planDir, { recursive: true, mode: 0o700 });
    const env: Record<string, string> = { ...o.env, SWITCHYARD_TF_BIN: this.o.bin };
    const words = o.args.map((a, i) => {
      if (typeof a === 'string') {
        if (!/^[A-Za-z0-9=_.-]+$/.test(a)) throw new ConfigError(`terraform argument ${a} is not a plain word`);
        return a;
      }
      env[`SWITCHYARD_TF_ARG_${i}`] = a.value;
      return `"$SWITCHYARD_TF_ARG_${i}"`;
    });
    return this.runner.run({
      command: `exec "$SWITCHYARD_TF_BIN" ${words.join(' ')}`,
      cwd: o.cwd,
      env,
      timeoutMs: o.timeoutMs,
      signal: o.signal,
      onLine: o.onLine,
      stage: o.stage,
    });
  }

  async inputsDigest(cwd: string, extraFiles: readonly string[], vars: Record<string, string>): Promise<string> {
    const h = createHash('sha256');
    const names = (await readdir(cwd)).filter((n) => /\.(tf|tfvars|tf\.json|tfvars\.json)$/.test(n)).sort();
    const files = [...new Set([...names, ...extraFiles])];
    for (const name of files) {
      const path = isAbsolute(name) ? name : join(cwd, name);
      const body = existsSync(path) ? await readFile(path) : Buffer.from('(missing)');
      h.update(`file\0${name}\0${body.length}\0`).update(body);
    }
    for (const k of Object.keys(vars).sort()) h.update(`var\0${k}\0${vars[k]!.length}\0${vars[k]}`);
    return h.digest('hex');
  }

  async fileDigest(path: string): Promise<string | null> {
    try {
      return createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
    } catch {
      return null;
    }
  }

  async writeSidecar(planPath: string, digest: string): Promise<void> {
    await writeFile(`${planPath}.inputs`, digest, { mode: 0o600 });
  }

  async readSidecar(planPath: string): Promise<string | null> {
    try {
      return (await readFile(`${planPath}.inputs`, 'utf8')).trim();
    } catch {
      return null;
    }
  }
}
