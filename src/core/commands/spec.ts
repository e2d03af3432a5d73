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
}

/**
 * Argument schema: a zod object. Keys named in `positionals` take the words in order (the last may
 * be an array to take the rest); every other key is a flag, `camelCase` typed as `--kebab-case`.
 * A boolean key is a bare flag; an array key may be repeated. `.describe()` on a field is its help.
 */
export interface SubcommandSpec<S extends z.ZodObject = z.ZodObject> {
  name: string;
  summary: string;
  args: S;
  positionals?: ReadonlyArray<keyof z.infer<S> & string>;
  /** Placeholder names for usage lines; defaults to the key. */
  placeholders?: Partial<Record<keyof z.infer<S> & string, string>>;
  /** Role required; null means anyone in the workspace. */
  permission: string | null;
  /** Set for read-only subcommands: a Slack retry may run them again without harm. */
  readOnly?: boolean;
  examples?: string[];
  handle(args: z.infer<S>, ctx: CommandContext): Promise<Reply | void>;
}

export interface CommandSpec {
  /** Without the slash: `pipeline`. */
  name: string;
  description: string;
  subcommands: SubcommandSpec[];
  /** Subcommand run when the text is empty; help otherwise. */
  defaultSubcommand?: string;
}

/** Keeps the schema's inferred type for the handler while storing specs in one list. */
export function sub<S extends z.ZodObject>(spec: SubcommandSpec<S>): SubcommandSpec {
  return spec as unknown as SubcommandSpec;
}

export function defineCommand(spec: CommandSpec): CommandSpec {
  const names = new Set<string>();
  for (const s of spec.subcommands) {
    if (names.has(s.name)) throw new Error(`/${spec.name}: subcommand ${s.name} defined twice`);
    if (s.name === 'help') throw new Error(`/${spec.name}: "help" is generated, do not define it`);
    names.add(s.name);
  }
  return spec;
}
