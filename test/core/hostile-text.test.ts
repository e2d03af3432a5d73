import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/app/modules.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * From the attacker's side: text a person types (a title, an update, a note, a parameter) must
 * reach Slack inert wherever it lands (message text and blocks, topic, purpose, bookmarks, the
 * Home, DMs, answers through response_url), and never run as a command.
 */
const PWNED = join(tmpdir(), `switchyard-pwned-${process.pid}`);
const HOSTILE = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S0EVIL>',
  '<@U0CEO>',
  '<#C0SECRET>',
  '<https://evil.example/login|click here>',
  '<mailto:ceo@evil.example|mail>',
  `$(touch ${PWNED})`,
  `\`touch ${PWNED}\``,
  `'; touch ${PWNED}; echo '`,
  '"\n<!channel>\n"',
  '\uE0000123456789abcdef<!channel>',
];
/** What must never appear in anything sent to Slack: each hostile sequence as a live control sequence. */
const LIVE = /<!channel>|<!here>|<!everyone>|<!subteam\^S0EVIL>|<@U0CEO>|<#C0SECRET>|<https:\/\/evil\.example|<mailto:ceo@evil|\uE000/;

describe('hostile text at every edge', () => {
  let h: Harness;

  beforeAll(async () => {
    rmSync(PWNED, { force: true });
    h = await startHarness({ name: 'hostile', modules: MODULES });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(PWNED, { force: true });
  });

  /** Every Web API call and response_url answer the bot made since `from`, with what was live in it. */
  function liveSequences(from = 0): string[] {
    return h.slack
      .calls()
      .slice(from)
      .flatMap((c) =>
        parsedTexts(c.args)
          .filter((t) => LIVE.test(t))
          .map((t) => `${c.method}: ${t.slice(0, 300)}`),
      );
  }

  /** Every string Slack parses for markup: plain_text objects are shown as typed, so they are left out. */
  function parsedTexts(value: unknown): string[] {
    if (typeof value === 'string') {
      // Blocks, views and attachments travel as JSON strings in the form body.
      if (/^[[{]/.test(value)) {
        try {
          return parsedTexts(JSON.parse(value));
        } catch {
          return [value];
        }
      }
      return [value];
    }
    if (Array.isArray(value)) return value.flatMap(parsedTexts);
    if (!value || typeof value !== 'object') return [];
    const obj = value as Record<string, unknown>;
    return Object.entries(obj).flatMap(([k, v]) => (obj.type === 'plain_text' && k === 'text' ? [] : parsedTexts(v)));
  }

  /** Sends a command over the wire and waits until the bot stops calling Slack for a moment. */
  async function send(user: string, channel: string, command: string, text: string): Promise<void> {
    await h.slack.slashCommand({ user, channel, command, text });
    let last = -1;
    for (let i = 0; i < 100 && h.slack.calls().length !== last; i++) {
      last = h.slack.calls().length;
      await h.slack.waitFor(() => h.slack.calls().length > last, { timeoutMs: 150 }).catch(() => undefined);
    }
  }

  it('an incident declared and updated with mentions and forged links reaches no audience live', async () => {
    const from = h.slack.calls().length;
    const title = `db down ${HOSTILE.slice(0, 8).join(' ')}`;
    const res = await h.command('U0BOB', 'C0INCIDENTS', `/incident declare sev1 "${title.replace(/"/g, "'")}" --service checkout`);
    const id = /INC-\d+/.exec(res.text)?.[0];
    expect(id).toBeTruthy();
    const created = await h.slack.waitFor(() => h.slack.calls('conversations.setPurpose').slice(-1)[0], { message: 'no purpose set' });
    const channel = String(created.args.channel);
    await send('U0BOB', channel, '/incident', `update "<!here> all fine <@U0CEO> <https://evil.example/x|status page>"`);
    await send('U0BOB', channel, '/incident', `note "<!channel> look <!subteam^S0EVIL>"`);
    // The broadcasts, topic and purpose were sent, and they carry the text, inert.
    const topic = h.slack.calls('conversations.setTopic').slice(-1)[0];
    expect(String(topic?.args.topic)).toContain('&lt;!channel>');
    expect(h.slack.calls('chat.postMessage').some((c) => String(c.args.text).includes('&lt;!here>'))).toBe(true);
    expect(liveSequences(from)).toEqual([]);
  });

  it('random hostile text in every command and subcommand: nothing reaches Slack live, nothing runs', { timeout: 300_000 }, async () => {
    const from = h.slack.calls().length;
    const word = fc.oneof(
      fc.constantFrom(...HOSTILE),
      fc.string({ maxLength: 8 }),
      fc.constantFrom('--service', 'checkout', '--env', 'staging', 'sev2', 'PLAN-1', 'INC-1'),
    );
    const quoted = fc.array(word, { minLength: 1, maxLength: 4 }).map((ws) => `"${ws.join(' ').replace(/"/g, "'")}"`);
    for (const spec of h.app.commands.specs()) {
      const line = fc
        .tuple(fc.constantFrom(...spec.subcommands.map((s) => s.name)), fc.array(fc.oneof(word, quoted), { maxLength: 5 }))
        .map(([sub, rest]) => [sub, ...rest].join(' '));
      await fc.assert(
        fc.asyncProperty(line, fc.constantFrom('U0ALICE', 'U0BOB', 'U0GRACE'), async (text, user) => {
          await send(user, 'C0GENERAL', `/${spec.name}`, text);
        }),
        { numRuns: Number(process.env.HOSTILE_RUNS ?? 25) },
      );
    }
    expect(h.slack.calls().length).toBeGreaterThan(from);
    expect(liveSequences(from)).toEqual([]);
    expect(existsSync(PWNED)).toBe(false);
  });
});
