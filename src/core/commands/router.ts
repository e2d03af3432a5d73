import { AccessControl } from '../access.js';
import type { AuditLog } from '../audit.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { Logger } from '../ports/runtime.js';
import type { Store } from '../ports/store.js';
import { bindArgs, usageLine } from './bind.js';
import { errorReply } from './error-reply.js';
import { commandHelp, overallHelp, subcommandHelp } from './help.js';
import { assertPermission, requiredRole, type CommandSpec, type Reply } from './spec.js';

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

const DEDUPE_MS = 60 * 60_000;

/**
 * Parses a command line against the specs, checks the permission, runs the handler, audits the
 * outcome and turns any error into one ephemeral reply. Transport-neutral: Bolt, the console and
 * tests all call `dispatch`.
 */
export class CommandRouter {
  private readonly byName = new Map<string, CommandSpec>();

  constructor(
    specs: CommandSpec[],
    private readonly deps: { access: AccessControl; audit: AuditLog; store: Store; log: Logger },
  ) {
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
    let noted: { target?: string; detail?: string } = {};
    const audit = (outcome: Parameters<AuditLog['record']>[0]['outcome'], rule?: string) =>
      this.deps.audit
        .record({
          actor: inv.userId,
          action,
          outcome,
          channel: inv.channelId,
          ...(noted.target ? { target: noted.target } : {}),
          detail: noted.detail ?? text.slice(0, 200),
          ...(rule ? { rule } : {}),
          requestId: inv.requestId,
        })
        .catch((err: Error) => this.deps.log.error({ err: err.message }, 'audit write failed'));
    try {
      if (!spec) throw new NotFoundError('command', `/${name}`, [...this.byName.keys()].map((n) => `/${n}`));
      if ((!text && !spec.defaultSubcommand) || subName === 'help') {
        const help = this.help(spec, rest, name);
        await audit('ok');
        return help;
      }
      const s = spec.subcommands.find((x) => x.name === (subName || spec.defaultSubcommand));
      if (!s) {
        throw new UsageError(`\`/${name}\` has no subcommand \`${first.slice(0, 40)}\`.`, [
          `Subcommands: ${spec.subcommands.map((x) => x.name).join(', ')}. Try \`/${name} help\`.`,
        ]);
      }
      const argText = subName ? text.slice(first.length) : '';
      const args = bindArgs(name, s, argText);
      const actor = await this.deps.access.actor(inv.userId);
      const role = requiredRole(s.permission);
      if (role) AccessControl.require(actor, role, `use \`/${name} ${s.name}\``);
      if (!s.readOnly && inv.dedupeKey) {
        const first = await this.deps.store.claim(this.deps.store.key('dedupe', 'cmd', inv.dedupeKey), DEDUPE_MS);
        if (!first) {
          this.deps.log.info({ requestId: inv.requestId, command: action }, 'duplicate delivery ignored');
          return null;
        }
      }
      const reply = await s.handle(args, {
        actor,
        channelId: inv.channelId,
        ...(inv.triggerId ? { triggerId: inv.triggerId } : {}),
        requestId: inv.requestId,
        commandText: `/${name} ${text}`,
        respond: inv.respond,
        note: (what) => {
          noted = { ...noted, ...what };
        },
      });
      await audit('ok');
      return reply ?? null;
    } catch (err) {
      const { reply, outcome, rule } = errorReply(err, inv.requestId, this.deps.log);
      await audit(outcome, rule);
      return reply;
    }
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
