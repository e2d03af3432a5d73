import { describe, expect, it } from 'vitest';
import { mention, toSlackText } from '../../src/core/outbound.js';
import { safeMrkdwn as escape } from '../../src/domain/pipelines/run-text.js';

/** What Slack receives: the render, then the outbound boundary. */
const safeMrkdwn = (text: string) => toSlackText(escape(text));

describe('safeMrkdwn', () => {
  const mentionsAndEscapes =
    "keeps the bot's mentions, escapes a mention a person or a backend wrote, escapes everything else once, and leaves escaped text alone";
  it(mentionsAndEscapes, () => {
    expect(safeMrkdwn(`cancelled by ${mention('U0BOB')}`)).toBe('cancelled by <@U0BOB>');
    expect(safeMrkdwn('<!channel> <https://evil.example|docs> a & b')).toBe('&lt;!channel&gt; &lt;https://evil.example|docs&gt; a &amp; b');
    expect(safeMrkdwn(`Rejected by ${mention('U0CAROL')}: no &lt;!channel&gt; please`)).toBe(
      'Rejected by <@U0CAROL>: no &lt;!channel&gt; please',
    );
    expect(safeMrkdwn(safeMrkdwn('x < y'))).toBe('x &lt; y');
    expect(safeMrkdwn('<@U0BOB|bob> <@channel>')).toBe('&lt;@U0BOB|bob&gt; &lt;@channel&gt;');
    expect(safeMrkdwn('cancelled by <@U0BOB>')).toBe('cancelled by &lt;@U0BOB&gt;');
  });
});
