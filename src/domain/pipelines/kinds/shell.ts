import { z } from 'zod';
import type { StageKind } from '../../contracts.js';
import { formatDuration } from '../../../core/time.js';
import type { ShellRunner } from '../ports.js';
import { runEnvironment } from '../placeholders.js';
import { builtin, stringMap } from './common.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const shellSettings = z
  .object({
    /** Run with /bin/sh -c; takes no `${{ }}` (load refuses it): values arrive as environment variables. */
    command: z.string().min(1, 'the command to run with /bin/sh -c'),
    cwd: z.string().optional(),
    /** Extra environment, where placeholders belong: `DB_PASSWORD: ${{ inject.db_password }}`, then "$DB_PASSWORD" in the command. */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), scalar).default({}),
  })
  .strict();

/**
 * `shell`: runs a command with a timeout; every output line goes to the stage log. One attempt by
 * default: a command is not known to be safe to run twice (set `attempts:` on the stage if it is).
 */
export function shellKind(runner: ShellRunner): StageKind {
  return {
    kind: 'shell',
    settings: shellSettings,
    attempts: 1,
    backoffMs: 1000,
    async run(ctx) {
      const b = builtin(ctx);
      const s = shellSettings.parse(ctx.settings);
      // Typed values reach the command only as variables: "$SWITCHYARD_PARAM_X" is data to the shell.
      const env = { ...stringMap(s.env), ...runEnvironment(ctx.run) };
      const pending: Array<Promise<void>> = [];
      const res = await runner.run({
        command: s.command,
        ...(s.cwd ? { cwd: s.cwd } : {}),
        env,
        timeoutMs: b.timeoutMs,
        signal: ctx.signal,
        onLine: (line) => pending.push(ctx.log(line)),
        // Recorded with its process group, so a crash never frees the lock while it may still run.
        stage: { runId: ctx.run.id, stageId: ctx.stage.id },
      });
      await Promise.all(pending);
      if (res.timedOut) return { status: 'failed', summary: `timed out after ${formatDuration(b.timeoutMs)}` };
      if (res.exitCode === 0) return { status: 'succeeded', summary: 'exit 0' };
      return { status: 'failed', summary: res.exitCode === null ? `killed by ${res.signal ?? 'a signal'}` : `exit code ${res.exitCode}` };
    },
  };
}
