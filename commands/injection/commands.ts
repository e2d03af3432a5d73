import { z } from 'zod';
import type { AuditLog } from '../../src/core/audit.js';
import { defineCommand, sub, type CommandContext, type CommandSpec } from '../../src/core/commands/spec.js';
import type { ConfigViews } from './render.js';

/**
 * `/config`: where each service's environment values come from. Everyone sees secrets masked
 * (`••••` and a fingerprint); a `secrets-reader` may reveal one, ephemerally. The router audits
 * every invocation; each read is audited again here with its target (service/env/key), and each
 * reveal with the key revealed (never the value).
 */
const word = (what: string) => z.string().min(1).max(100).describe(what);

export function configCommand(deps: { views: ConfigViews; audit: AuditLog }): CommandSpec {
  const record = (entry: Parameters<AuditLog['record']>[0]) => deps.audit.record(entry).catch(() => undefined);
  /** Runs a read and audits it with its target; `detail` names the provenance, never a value. */
  const audited = async <T>(
    ctx: CommandContext,
    action: string,
    target: string,
    run: () => Promise<T>,
    detail?: (out: T) => string,
  ): Promise<T> => {
    const base = { actor: ctx.actor.userId, action, target, channel: ctx.channelId, requestId: ctx.requestId };
    try {
      const out = await run();
      await record({ ...base, outcome: 'ok', ...(detail ? { detail: detail(out) } : {}) });
      return out;
    } catch (err) {
      const code = (err as { code?: string }).code;
      await record({ ...base, outcome: code === 'not_found' ? 'not_found' : 'error' });
      throw err;
    }
  };
  return defineCommand({
    name: 'config',
    description: 'Environment configuration from Vault, Consul and the landing zone: values, provenance, diffs',
    subcommands: [
      sub({
        name: 'get',
        summary: 'One value of a service in an environment, with where it comes from',
        args: z.object({ service: word('service'), env: word('environment'), key: word('key') }),
        positionals: ['service', 'env', 'key'],
        permission: null,
        readOnly: true,
        examples: ['/config get checkout production db_host'],
        handle: (a, ctx) => audited(ctx, 'config.read', `${a.service}/${a.env}/${a.key}`, () => deps.views.get(a.service, a.env, a.key)),
      }),
      sub({
        name: 'list',
        summary: 'Every key of a service in an environment: value (secrets masked) and source',
        args: z.object({ service: word('service'), env: word('environment') }),
        positionals: ['service', 'env'],
        permission: null,
        readOnly: true,
        handle: (a, ctx) => audited(ctx, 'config.read', `${a.service}/${a.env}`, () => deps.views.list(a.service, a.env)),
      }),
      sub({
        name: 'explain',
        summary: 'Every layer consulted for a key, and which one won',
        args: z.object({ service: word('service'), env: word('environment'), key: word('key') }),
        positionals: ['service', 'env', 'key'],
        permission: null,
        readOnly: true,
        handle: (a, ctx) =>
          audited(ctx, 'config.read', `${a.service}/${a.env}/${a.key}`, () => deps.views.explain(a.service, a.env, a.key)),
      }),
      sub({
        name: 'diff',
        summary: 'Keys that differ or are missing between two environments (secrets masked)',
        args: z.object({ service: word('service'), envA: word('first environment'), envB: word('second environment') }),
        positionals: ['service', 'envA', 'envB'],
        placeholders: { envA: 'env-a', envB: 'env-b' },
        permission: null,
        readOnly: true,
        handle: (a, ctx) =>
          audited(ctx, 'config.read', `${a.service}/${a.envA}..${a.envB}`, () => deps.views.diff(a.service, a.envA, a.envB)),
      }),
      sub({
        name: 'render',
        summary: "A pipeline's stage settings as they would be injected in an environment (secrets masked)",
        args: z.object({ pipeline: word('pipeline'), env: word('environment') }),
        positionals: ['pipeline'],
        placeholders: { env: 'env' },
        permission: null,
        readOnly: true,
        examples: ['/config render checkout-deploy --env staging'],
        handle: (a, ctx) => audited(ctx, 'config.read', `pipeline:${a.pipeline}/${a.env}`, () => deps.views.render(a.pipeline, a.env)),
      }),
      sub({
        name: 'reveal',
        summary: 'Show a secret value to you only (secrets-reader; audited)',
        args: z.object({ service: word('service'), env: word('environment'), key: word('key') }),
        positionals: ['service', 'env', 'key'],
        permission: 'secrets-reader',
        readOnly: true,
        async handle(a, ctx) {
          const target = `${a.service}/${a.env}/${a.key}`;
          const { reply } = await audited(
            ctx,
            'config.reveal',
            target,
            () => deps.views.reveal(a.service, a.env, a.key),
            ({ value: v }) => `${v.source} ${v.path}${v.version !== undefined ? ` v${String(v.version)}` : ''}`,
          );
          // Ephemeral whatever the channel: a revealed value never reaches a channel.
          return { ...reply, visibility: 'ephemeral', revealsSecret: true };
        },
      }),
    ],
  });
}
