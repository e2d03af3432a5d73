import { expect, it } from 'vitest';
import { chunks, postmortemMessages } from '../../commands/incidents/render-postmortem.js';

// A postmortem is a document: however long, every character reaches Slack, in order, in
// sections and messages Slack accepts (3,000 characters a section, 50 blocks a message).
it('splits a draft of any length into Slack-sized sections and messages without losing a character', () => {
  const lines = Array.from(
    { length: 3000 },
    (_, i) => `| 2026-12-01 10:${String(i % 60).padStart(2, '0')} | note: finding ${i} ${'x'.repeat(i % 120)} | @U0ERIN |`,
  );
  const draft = ['# Postmortem draft: INC-7 Long night', '', ...lines, '', `${'y'.repeat(7000)}`, ''].join('\n');
  const messages = postmortemMessages('INC-7', draft);
  expect(messages.length).toBeGreaterThan(1);
  const sections = messages.flatMap((m) => m.blocks ?? []).map((b) => (b as unknown as { text: { text: string } }).text.text);
  for (const m of messages) expect((m.blocks ?? []).length).toBeLessThanOrEqual(50);
  for (const s of sections) expect(s.length).toBeLessThanOrEqual(3000);
  const code = sections.filter((t) => t.startsWith('```')).map((t) => t.slice(4, -4));
  // The 7,000-character line is split across sections; everything else is joined back exactly.
  expect(code.join('\n').replace(/(?<=y)\n(?=y)/g, '')).toBe(draft);
  expect(messages[0]!.text).toContain('# Postmortem draft: INC-7');
  expect(
    messages.map((m) =>
      m.text
        .match(/part (\d+) of (\d+)/)
        ?.slice(1)
        .join('/'),
    ),
  ).toEqual(messages.map((_, i) => `${i + 1}/${messages.length}`));
  expect(chunks('a\n\nb', 2)).toEqual(['a\n', 'b']);
});
