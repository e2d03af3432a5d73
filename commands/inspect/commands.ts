import { z } from 'zod';
import type { AuditLog } from '../../src/core/audit.js';
import { escapeMrkdwn, mention, sections, mdMessage } from '../../src/core/blocks.js';
import { arg, optional } from '../../src/core/commands/args.js';
import { defineCommand, sub, type CommandSpec } from '../../src/core/commands/spec.js';
import { InvalidStateError, NotFoundError, UsageError } from '../../src/core/errors.js';
import { enqueueJob, type JobQueue } from '../../src/core/ports/jobs.js';
import { formatDuration, parseDuration } from '../../src/core/time.js';
import type { InspectConfig } from '../../src/domain/inspect/config.js';
import type { Announcer } from '../../src/domain/inspect/announce.js';
import type { FindingStore } from '../../src/domain/inspect/finding-store.js';
import { LANDING_JOB, type LandingRequest } from '../../src/domain/inspect/landing.js';
import { findingListLine } from './render.js';

export interface InspectCommandDeps {
  config: InspectConfig;
  findings: FindingStore;
  /** Re-renders the finding's post, notes the acceptance in its thread and tells planning. */
  announcer: Pick<Announcer, 'accepted'>;
  jobs: JobQueue;
  audit: AuditLog;
  now(): number;
  /** Environments anyone may name: landing-zone schedules, thresholds, pipeline environments. */
  knownEnvs(): string[];
}

const FINDING_ID = /^f-[0-9a-f]{10}$/;

/** `/inspect`: run landing-zone inspectors, list findings, accept a finding's risk until an expiry. */
export function inspectCommand(deps: InspectCommandDeps): CommandSpec {
  const inspectors = deps.config.file.inspectors;

  function env(typed: string): string {
    const known = deps.knownEnvs();
    if (!known.includes(typed)) throw new NotFoundError('environment', typed, known);
    return typed;
  }

  return defineCommand({
    name: 'inspect',
    description: 'Inspectors: check what runs in an environment, list findings, accept a risk',
    defaultSubcommand: 'findings',
    subcommands: [
      sub({
        name: 'run',
        summary: 'Run a landing-zone inspector (drift or scan) against an environment now',
        args: z.object({
          inspector: z.string().describe('an inspector from inspectors.yml of type drift or scan'),
          env: z.string().describe('the environment to inspect'),
          service: z
            .string()
            .regex(/^[a-z0-9][a-z0-9-]*$/, 'a service name')
            .optional()
            .describe('only this service'),
        }),
        positionals: ['inspector'],
        placeholders: { env: 'env', service: 'service' },
        permission: 'deployer',
        examples: ['/inspect run drift --env production', '/inspect run trivy --env staging --service checkout'],
        async handle(args, ctx) {
          const def = inspectors[args.inspector];
          if (!def) throw new NotFoundError('inspector', args.inspector, Object.keys(inspectors));
          if (def.type !== 'drift' && def.type !== 'scan') {
            throw new UsageError(
              `\`${args.inspector}\` is a ${def.type} inspector: it inspects pipeline runs.` +
                ` Add it to an \`inspect\` stage (with: { inspectors: [${args.inspector}] }).`,
              [
                `Landing-zone inspectors: ${
                  Object.entries(inspectors)
                    .filter(([, d]) => d.type === 'drift' || d.type === 'scan')
                    .map(([n]) => n)
                    .join(', ') || 'none'
                }`,
              ],
            );
          }
          const e = env(args.env);
          const req: LandingRequest = {
            env: e,
            inspectors: [args.inspector],
            requestedBy: ctx.actor.userId,
            channel: ctx.channelId,
            ...(args.service ? { service: args.service } : {}),
          };
          await enqueueJob(deps.jobs, LANDING_JOB, req, {
            id: `manual-${ctx.requestId}`.replace(/[^A-Za-z0-9_-]/g, '_'),
          });
          return mdMessage(
            `:mag: Inspecting ${e}${args.service ? ` (${args.service})` : ''} with \`${args.inspector}\`.` +
              ` You will get the summary here; new findings go to the owning team's channel.`,
          );
        },
      }),
      sub({
        name: 'findings',
        summary: 'List landing-zone findings, newest first',
        args: z.object({
          service: z.string().optional().describe('only this service'),
          env: z.string().optional().describe('only this environment'),
          open: z.boolean().default(false).describe('only open findings (not fixed, not accepted)'),
          limit: z.coerce.number().int().min(1).max(50).default(20).describe('at most this many (1-50)'),
        }),
        placeholders: { service: 'service', env: 'env', limit: 'n' },
        permission: null,
        readOnly: true,
        async handle(args) {
          const now = deps.now();
          const list = await deps.findings.list({
            now,
            limit: args.limit,
            openOnly: args.open,
            ...(args.service ? { service: args.service } : {}),
            ...(args.env ? { env: args.env } : {}),
          });
          const what =
            `${args.open ? 'open ' : ''}findings` + `${args.service ? ` for ${args.service}` : ''}${args.env ? ` in ${args.env}` : ''}`;
          if (!list.length) {
            const all = await deps.findings.list({ now, limit: 2000 });
            const services = [...new Set(all.map((r) => r.service))].sort();
            return mdMessage(`No ${what}.${services.length ? ` Services with findings: ${services.join(', ')}.` : ''}`);
          }
          const lines = [`*${what[0]!.toUpperCase()}${what.slice(1)}* (${list.length})`, ...list.map((r) => findingListLine(r, now))];
          return { text: lines.join('\n').slice(0, 3000), blocks: sections(lines) };
        },
      }),
      sub({
        name: 'ack',
        summary: 'Accept the risk of a finding until an expiry (audited)',
        args: z.object({
          findingId: z.string().describe('the id shown with the finding, e.g. f-3a9c1e0b7d'),
          reason: z.array(z.string()).min(1).describe('why the risk is acceptable; quote it or not'),
          expires: optional(arg.duration('how long, e.g. 14d or 8w (default from inspectors.yml)')),
        }),
        positionals: ['findingId', 'reason'],
        placeholders: { findingId: 'finding-id', expires: 'duration' },
        permission: 'approver',
        examples: ['/inspect ack f-3a9c1e0b7d "Not reachable: the endpoint is internal only" --expires 30d'],
        async handle(args, ctx) {
          const now = deps.now();
          const id = args.findingId.trim().toLowerCase();
          const recent = async () => (await deps.findings.list({ now, openOnly: true, limit: 10 })).map((r) => r.id);
          if (!FINDING_ID.test(id)) throw new NotFoundError('finding', args.findingId.slice(0, 40), await recent());
          const reason = args.reason.join(' ').trim();
          if (reason.length < 10) throw new UsageError('Say why the risk is acceptable (at least 10 characters).');
          const ms = args.expires?.ms ?? parseDuration(deps.config.file.findings.ackExpiry)!;
          const max = parseDuration(deps.config.file.findings.ackMaxExpiry)!;
          if (ms > max)
            throw new UsageError(`--expires: at most ${deps.config.file.findings.ackMaxExpiry} (inspectors.yml findings.ackMaxExpiry).`);
          const current = await deps.findings.get(id);
          if (!current) throw new NotFoundError('finding', id, await recent());
          if (current.status === 'fixed') throw new InvalidStateError(`\`${id}\` is already fixed; there is no risk to accept.`);
          const rec = await deps.findings.accept(id, { by: ctx.actor.userId, reason, at: now, until: now + ms });
          await deps.audit.record({
            actor: ctx.actor.userId,
            action: 'inspect.ack',
            outcome: 'ok',
            channel: ctx.channelId,
            target: id,
            detail: `until ${new Date(now + ms).toISOString()}: ${reason}`,
          });
          if (rec)
            await deps.announcer.accepted(
              rec,
              now,
              `:shield: ${mention(ctx.actor.userId)} accepted the risk of \`${id}\` for ${formatDuration(ms)}: “${escapeMrkdwn(reason)}”`,
            );
          return mdMessage(
            `:shield: Accepted \`${id}\` (${current.severity}, ${current.service} in ${current.env})` +
              ` until ${new Date(now + ms).toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
          );
        },
      }),
    ],
  });
}
