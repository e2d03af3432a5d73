import { UsageError } from '../errors.js';

/**
 * One argument syntax everywhere (Slack, console, CLI): words, "quoted strings", `--flag value`,
 * `--flag=value`. Slack clients turn straight quotes into curly ones, so both count as quotes.
 */
export interface Tokens {
  positionals: string[];
  /** Flag name (as typed, without dashes) to every value given; `true` for a bare boolean flag. */
  flags: Map<string, Array<string | true>>;
}

const OPEN_QUOTES: Record<string, string> = { '"': '"', "'": "'", '\u201c': '\u201d', '\u2018': '\u2019' };
const MAX_TEXT = 4000;

interface Word {
  text: string;
  quoted: boolean;
}

export function splitWords(input: string): Word[] {
  if (input.length > MAX_TEXT) throw new UsageError(`The command is too long (${input.length} characters, at most ${MAX_TEXT}).`);
  const words: Word[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (/\s/u.test(ch)) {
      i++;
      continue;
    }
    let text = '';
    let quoted = false;
    while (i < input.length && !/\s/u.test(input[i]!)) {
      const c = input[i]!;
      const close = OPEN_QUOTES[c];
      if (close !== undefined) {
        const end = findClose(input, i + 1, close, c);
        if (end < 0) throw new UsageError(`A quote opened at character ${i + 1} is never closed.`);
        text += input.slice(i + 1, end);
        quoted = true;
        i = end + 1;
      } else {
        text += c;
        i++;
      }
    }
    words.push({ text, quoted });
  }
  return words;
}

function findClose(input: string, from: number, close: string, open: string): number {
  for (let j = from; j < input.length; j++) {
    const c = input[j];
    if (c === close || (open === '"' && c === '\u201d') || (open === '\u201c' && c === '"')) return j;
  }
  return -1;
}

export function tokenize(input: string, booleanFlags: ReadonlySet<string> = new Set()): Tokens {
  const words = splitWords(input.trim());
  const positionals: string[] = [];
  const flags = new Map<string, Array<string | true>>();
  const add = (name: string, value: string | true) => {
    const list = flags.get(name) ?? [];
    list.push(value);
    flags.set(name, list);
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.quoted || !w.text.startsWith('--') || w.text === '--') {
      positionals.push(w.text);
      continue;
    }
    const body = w.text.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) {
      add(body.slice(0, eq), body.slice(eq + 1));
      continue;
    }
    const next = words[i + 1];
    if (booleanFlags.has(body) || next === undefined || (!next.quoted && next.text.startsWith('--'))) {
      add(body, true);
    } else {
      add(body, next.text);
      i++;
    }
  }
  return { positionals, flags };
}
