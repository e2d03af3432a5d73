import { describe, expect, it } from 'vitest';
import { safeMrkdwn } from '../../src/domain/pipelines/render.js';

describe('safeMrkdwn', () => {
  it('keeps user mentions, escapes everything else once, and leaves escaped text alone', () => {
    expect(safeMrkdwn('cancelled by <@U0BOB>')).toBe('cancelled by <@U0BOB>');
    expect(safeMrkdwn('<!channel> <https://evil.example|docs> a & b')).toBe('&lt;!channel&gt; &lt;https://evil.example|docs&gt; a &amp; b');
    expect(safeMrkdwn('Rejected by <@U0CAROL>: no &lt;!channel&gt; please')).toBe('Rejected by <@U0CAROL>: no &lt;!channel&gt; please');
    expect(safeMrkdwn(safeMrkdwn('x < y'))).toBe('x &lt; y');
    expect(safeMrkdwn('<@U0BOB|bob> <@channel>')).toBe('&lt;@U0BOB|bob&gt; &lt;@channel&gt;');
  });
});
