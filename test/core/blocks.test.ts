import { describe, expect, it } from 'vitest';
import { actions, clip, escapeMrkdwn, sections } from '../../src/core/blocks.js';

describe('Block Kit builders keep within Slack limits', () => {
  it('splits a long list into sections under 3000 characters without losing a line', () => {
    const lines = Array.from({ length: 120 }, (_, i) => `• finding ${i} ${'x'.repeat(60)}`);
    const blocks = sections(lines);
    expect(blocks.length).toBeGreaterThan(1);
    const texts = blocks.map((b) => (b.text as { text: string }).text);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(3000);
    expect(texts.join('\n').split('\n')).toEqual(lines);
  });

  it('summarises past 45 sections instead of exceeding the 50-block limit', () => {
    const blocks = sections(Array.from({ length: 200 }, () => 'y'.repeat(2000)));
    expect(blocks).toHaveLength(46);
    expect(JSON.stringify(blocks[45])).toContain('cut: too long');
  });

  it('makes action ids unique within a block and escapes user text', () => {
    const block = actions([
      { text: 'Status: identified', actionId: 'incident.status', value: 'a' },
      { text: 'Status: monitoring', actionId: 'incident.status', value: 'b' },
    ]);
    expect((block.elements as Array<{ action_id: string }>).map((e) => e.action_id)).toEqual(['incident.status', 'incident.status#1']);
    expect(escapeMrkdwn('<!channel> & <http://x|y>')).toBe('&lt;!channel&gt; &amp; &lt;http://x|y&gt;');
    expect(clip('z'.repeat(5000)).length).toBe(2900);
  });
});
