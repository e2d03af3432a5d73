// Autocomplete of the message box: slash commands from the app's manifest (command, usage hint),
// then the subcommands its usage hint names. Pure: tested in test/local-ui/compose.test.ts.

/**
 * @param {{command: string, description: string, usage: string, subcommands: string[]}[]} commands
 * @param {string} text what is typed so far
 * @returns {{label: string, hint: string, insert: string}[]}
 */
export function completions(commands, text) {
  if (!text.startsWith('/')) return [];
  const space = text.indexOf(' ');
  if (space < 0) {
    return commands
      .filter((c) => c.command.startsWith(text))
      .map((c) => ({ label: c.command, hint: `${c.usage}  ${c.description}`, insert: `${c.command} ` }));
  }
  const cmd = commands.find((c) => c.command === text.slice(0, space));
  const rest = text.slice(space + 1);
  if (!cmd || /\s/.test(rest)) return [];
  return cmd.subcommands
    .filter((s) => s.startsWith(rest) && s !== rest)
    .map((s) => ({ label: `${cmd.command} ${s}`, hint: usageOf(cmd.usage, s), insert: `${cmd.command} ${s} ` }));
}

/** The part of a usage hint about one subcommand: `status|logs <run>` -> `<run>` for logs. */
function usageOf(usage, sub) {
  for (const alt of usage.split(/\s\|\s/)) {
    const [head = '', ...args] = alt.trim().split(/\s+/);
    if (head.split('|').includes(sub)) return args.join(' ');
  }
  return '';
}
