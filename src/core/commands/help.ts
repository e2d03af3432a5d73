import { mdMessage } from '../blocks.js';
import { describeField, kebab, usageLine } from './bind.js';
import { describePermission, type CommandSpec, type Reply, type SubcommandSpec } from './spec.js';
import type { z } from 'zod';

/** Help is generated from the specs, so it can never disagree with what the parser accepts. */
export function commandHelp(spec: CommandSpec): Reply {
  const lines = spec.subcommands.map((s) => {
    const who = describePermission(s.permission);
    return `• \`${usageLine(spec.name, s)}\`\n   ${s.summary}${who ? ` _(${who})_` : ''}`;
  });
  const text = [`*/${spec.name}*: ${spec.description}`, ...lines, `Type \`/${spec.name} help <subcommand>\` for its flags.`].join('\n');
  return mdMessage(text);
}

export function subcommandHelp(spec: CommandSpec, s: SubcommandSpec): Reply {
  const shape = s.args.shape as Record<string, z.ZodType>;
  const details = Object.entries(shape)
    .map(([key, field]) => {
      const d = describeField(field);
      const label = (s.positionals as readonly string[] | undefined)?.includes(key)
        ? `<${s.placeholders?.[key as never] ?? key}>`
        : `--${kebab(key)}`;
      return d ? `• \`${label}\`: ${d}` : undefined;
    })
    .filter(Boolean);
  const examples = (s.examples ?? []).map((e) => `• \`${e}\``);
  const text = [
    `\`${usageLine(spec.name, s)}\``,
    s.summary,
    ...(describePermission(s.permission) ? [`Who may: ${describePermission(s.permission)}.`] : []),
    ...details,
    ...(examples.length ? ['Examples:', ...examples] : []),
  ].join('\n');
  return mdMessage(text);
}

export function overallHelp(specs: CommandSpec[]): Reply {
  const text = [
    '*Switchyard* puts delivery into chat. Commands:',
    ...specs.map((c) => `• \`/${c.name}\`: ${c.description} (${c.subcommands.map((s) => s.name).join(', ')})`),
    'Add `help` after any command for its usage, e.g. `/pipeline help run`.',
  ].join('\n');
  return mdMessage(text);
}
