import type { z } from 'zod';
import type { Actor } from '../access.js';
import type { MessageContent } from '../blocks.js';

/**
 * A slash command is a declarative spec. The registry generates help and usage lines from it,
 * binds the typed words to the zod schema and checks the permission before the handler runs.
 */
export interface Reply extends MessageContent {
  /** Ephemeral (default) answers only the invoker; in_channel posts for everyone. */
  visibility?: 'ephemeral' | 'in_channel';
  /**
   * Shows a secret on purpose (only `/config reveal`, to a secrets-reader): the boundary still
   * escapes it but does not mask it. Honoured only for an ephemeral answer.
   */
  revealsSecret?: true;
}

export interface CommandContext {
  actor: Actor;
  channelId: string;
  /** Present for Slack-originated commands; lets a handler open a modal. */
  triggerId?: string;
  requestId: string;
  /** The command line as typed, for handlers that want to echo it. */
  commandText: string;
  /** A later answer to the invoker only (ephemeral), e.g. once slow work is done. */
  respond(reply: Reply): Promise<void>;
  /**
   * What this invocation did, for the audit entry the router writes (the run started, the item
   * changed): `target` names the object, `detail` what happened. Never a secret value.
   */
  note?(what: { target?: string; detail?: string }): void;
}

/**
 * Who may use a subcommand, press a button or submit a modal. Anything that changes state must say
 * so (the type refuses a missing or null permission unless `readOnly: true`):
 * - a role name from config/access.yml (`'deployer'`): the router refuses everyone else;
 * - `policy('…')`: a domain service decides per object (this incident's commander, this item's
 *   owner) and throws a ForbiddenError naming the role that would do; the text says who may;
 * - `anyone('…')`: open to every workspace member on purpose, saying why.
 */
export type Permission = string | PolicyPermission | OpenPermission;
export interface PolicyPermission {
  readonly policy: string;
}
export interface OpenPermission {
  readonly anyone: string;
}
export const policy = (rule: string): PolicyPermission => ({ policy: rule });
export const anyone = (why: string): OpenPermission => ({ anyone: why });

/** Read-only entries may leave the permission out (null: anyone); every other entry must declare one. */
export type Access = { readOnly: true; permission?: string | null } | { readOnly?: false; permission: Permission };

/** The role the router checks itself, if any (policies and open entries are checked elsewhere). */
export function requiredRole(p: Permission | null | undefined): string | null {
  return typeof p === 'string' ? p : null;
}

/** Help text: who may use it. */
export function describePermission(p: Permission | null | undefined): string | null {
  if (typeof p === 'string') return `needs the \`${p}\` role`;
  if (p && 'policy' in p) return p.policy;
  return null;
}

/**
 * Runtime twin of the type rule, for JavaScript callers and casts: a state-changing entry without
 * a declared permission does not register.
 */
export function assertPermission(what: string, entry: { readOnly?: boolean; permission?: unknown }): void {
  if (entry.readOnly === true) return;
  const p = entry.permission;
  const ok =
    (typeof p === 'string' && p.length > 0) ||
    (typeof p === 'object' &&
      p !== null &&
      (typeof (p as PolicyPermission).policy === 'string' || typeof (p as OpenPermission).anyone === 'string'));
  if (!ok)
    throw new Error(`${what} changes state but declares no permission: give a role, policy('…') or anyone('…'), or mark it readOnly: true`);
}

/**
 * Argument schema: a zod object. Keys named in `positionals` take the words in order (the last may
 * be an array to take the rest); every other key is a flag, `camelCase` typed as `--kebab-case`.
 * A boolean key is a bare flag; an array key may be repeated. `.describe()` on a field is its help.
 */
export interface SubcommandBase<S extends z.ZodObject = z.ZodObject> {
  name: string;
  summary: string;
  args: S;
  positionals?: ReadonlyArray<keyof z.infer<S> & string>;
  /** Placeholder names for usage lines; defaults to the key. */
  placeholders?: Partial<Record<keyof z.infer<S> & string, string>>;
  examples?: string[];
  handle(args: z.infer<S>, ctx: CommandContext): Promise<Reply | void>;
}

/** `readOnly: true` marks subcommands a Slack retry may run again without harm. */
export type SubcommandSpec<S extends z.ZodObject = z.ZodObject> = SubcommandBase<S> & Access;

export interface CommandSpec {
  /** Without the slash: `pipeline`. */
  name: string;
  description: string;
  subcommands: SubcommandSpec[];
  /** Subcommand run when the text is empty; help otherwise. */
  defaultSubcommand?: string;
}

/**
 * Keeps the schema's inferred type for the handler while storing specs in one list (no cast: the
 * method-form `handle` is compared bivariantly, and the router only calls it with `args.parse()`).
 */
export function sub<S extends z.ZodObject>(spec: SubcommandSpec<S>): SubcommandSpec {
  return spec;
}

export function defineCommand(spec: CommandSpec): CommandSpec {
  const names = new Set<string>();
  for (const s of spec.subcommands) {
    if (names.has(s.name)) throw new Error(`/${spec.name}: subcommand ${s.name} defined twice`);
    if (s.name === 'help') throw new Error(`/${spec.name}: "help" is generated, do not define it`);
    names.add(s.name);
    assertPermission(`/${spec.name} ${s.name}`, s);
  }
  return spec;
}
