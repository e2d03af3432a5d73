import { NotFoundError, UsageError } from '../errors.js';
import { EdgePipeline, type PipelineDeps } from '../pipeline.js';
import { bindArgs, usageLine } from './bind.js';
import { commandHelp, overallHelp, subcommandHelp } from './help.js';
import { assertPermission, type CommandSpec, type Reply, type SubcommandSpec } from './spec.js';

export interface CommandInvocation {
  /** With or without the leading slash. */
  command: string;
  text: string;
  userId: string;
  channelId: string;
  triggerId?: string;
  requestId: string;
  /** Same for a Slack retry of the same request (trigger_id): side effects run once. */
  dedupeKey?: string;
  respond(reply: Reply): Promise<void>;
}

type Parsed = { help: Reply } | { sub: SubcommandSpec; args: Record<string, unknown> };

/**
 * Finds the subcommand of a command line and binds its words to the spec; the edge pipeline
 * (src/core/pipeline.ts) checks the permission, drops a retried delivery, runs the handler, audits
 * the outcome and turns any error into one ephemeral reply. Transport-neutral: Bolt, the console
 * and tests all call `dispatch`.
 */
export class CommandRouter {
  private readonly byName = new Map<string, CommandSpec>();
  private readonly pipeline: EdgePipeline;

  constructor(specs: CommandSpec[], deps: PipelineDeps) {
    this.pipeline = new EdgePipeline(deps);
    for (const s of specs) {
      if (this.byName.has(s.name)) throw new Error(`command /${s.name} registered twice`);
      // Subcommands added by other modules (extendCommands) are checked here as well.
      for (const x of s.subcommands) assertPermission(`/${s.name} ${x.name}`, x);
      this.byName.set(s.name, s);
    }
  }

  specs(): CommandSpec[] {
    return [...this.byName.values()];
  }

  /** Returns the reply for the invoker, or null when a duplicate delivery was dropped. */
  async dispatch(inv: CommandInvocation): Promise<Reply | null> {
    const name = inv.command.replace(/^\//, '');
    const spec = this.byName.get(name);
    const text = inv.text.trim();
    const [first = '', ...rest] = text.split(/\s+/);
    const subName = first.toLowerCase();
    const action = `/${name}${subName && spec?.subcommands.some((s) => s.name === subName) ? ` ${subName}` : ''}`;
    const out = await this.pipeline.run({
      action,
      userId: inv.userId,
      requestId: inv.requestId,
      channelId: inv.channelId,
      detail: text.slice(0, 200),
      ...(inv.dedupeKey ? { dedupe: { scope: 'cmd', key: inv.dedupeKey } } : {}),
      decode: () => this.parse(spec, name, text, first, subName, rest),
      access: (p) =>
        'help' in p
          ? { readOnly: true, verb: 'read help' }
          : { permission: p.sub.permission, readOnly: p.sub.readOnly === true, verb: `use \`/${name} ${p.sub.name}\`` },
      handle: async (p, actor, note) => {
        if ('help' in p) return p.help;
        const reply = await p.sub.handle(p.args as Record<string, unknown>, {
          actor,
          channelId: inv.channelId,
          ...(inv.triggerId ? { triggerId: inv.triggerId } : {}),
          requestId: inv.requestId,
          commandText: `/${name} ${text}`,
          respond: inv.respond,
          note,
        });
        return reply ?? null;
      },
    });
    return out.kind === 'done' ? out.result : out.kind === 'failed' ? out.reply : null;
  }

  /** The words of a command line bound to the subcommand's schema, or its help. */
  private parse(spec: CommandSpec | undefined, name: string, text: string, first: string, subName: string, rest: string[]): Parsed {
    if (!spec)
      throw new NotFoundError(
        'command',
        `/${name}`,
        [...this.byName.keys()].map((n) => `/${n}`),
      );
    if ((!text && !spec.defaultSubcommand) || subName === 'help') return { help: this.help(spec, rest, name) };
    const s = spec.subcommands.find((x) => x.name === (subName || spec.defaultSubcommand));
    if (!s) {
      throw new UsageError(`\`/${name}\` has no subcommand \`${first.slice(0, 40)}\`.`, [
        `Subcommands: ${spec.subcommands.map((x) => x.name).join(', ')}. Try \`/${name} help\`.`,
      ]);
    }
    const argText = subName ? text.slice(first.length) : '';
    return { sub: s, args: bindArgs(name, s, argText) };
  }

  private help(spec: CommandSpec, rest: string[], name: string): Reply {
    const target = rest[0]?.toLowerCase();
    if (name === 'switchyard' && !target) return overallHelp(this.specs());
    if (!target) return commandHelp(spec);
    const s = spec.subcommands.find((x) => x.name === target);
    if (!s) throw new UsageError(`\`/${name}\` has no subcommand \`${target.slice(0, 40)}\`.`, [`Try \`/${name} help\`.`]);
    return subcommandHelp(spec, s);
  }

  usage(command: string, subcommand: string): string | undefined {
    const spec = this.byName.get(command);
    const s = spec?.subcommands.find((x) => x.name === subcommand);
    return spec && s ? usageLine(command, s) : undefined;
  }
}
