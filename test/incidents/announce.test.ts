import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/local-slack/types.js';
import { incidentIdIn, startIncidents, type IncidentsHarness } from './support.js';

// What audiences see: the announcement links the incident channel and is edited as the incident
// changes, a raised severity reaches its new audiences, and a long postmortem arrives whole.
describe('live announcements and long postmortems', () => {
  let ih: IncidentsHarness;
  beforeAll(async () => {
    ih = await startIncidents('inc-announce');
  });
  afterAll(async () => {
    await ih?.close();
  });

  const declare = async (user: string, line: string) =>
    ih.ready(incidentIdIn((await ih.h.command(user, 'C0INCIDENTS', `/incident declare ${line}`)).text));
  const announcements = (channel: string, id: string): Message[] =>
    ih.h.slack.messages(channel).filter((m) => m.text.includes(`${id} incident declared`));
  const live = (channel: string, id: string, has: string[]) =>
    ih.h.slack.waitFor(
      () => announcements(channel, id).find((m) => has.every((x) => `${m.text} ${JSON.stringify(m.blocks)}`.includes(x))),
      { message: `no announcement in ${channel} with ${has.join(', ')}` },
    );

  it('the announcement links the incident channel once it exists, and is edited (not reposted) as severity and status change', async () => {
    const { h } = ih;
    const inc = await declare('U0ERIN', 'sev3 "Search results empty" --service checkout');
    const link = `<#${inc.channel}>`;
    // SEV3 audiences: NOC, help desk, the upstream team and the announce channel.
    for (const c of ['C0NOC', 'C0HELPDESK', 'C0PAYMENTS', 'C0INCIDENTS']) await live(c, inc.id, [link, `${inc.id} · SEV3 · investigating`]);
    expect(h.slack.messages('C0STAKE').some((m) => m.text.includes(inc.id))).toBe(false); // SEV3 has no stakeholder audience

    await h.command('U0ERIN', inc.channel!, '/incident severity sev2');
    const edited = await live('C0NOC', inc.id, [`${inc.id} · SEV2 · investigating`, link]);
    expect(edited.edited).toBe(true);
    await h.command('U0ERIN', inc.channel!, '/incident status identified');
    await live('C0NOC', inc.id, [`${inc.id} · SEV2 · identified`, '(SEV2 · identified']);
    await live('C0HELPDESK', inc.id, [`${inc.id} · SEV2 · identified`]);
    for (const c of ['C0NOC', 'C0HELPDESK', 'C0PAYMENTS', 'C0INCIDENTS']) expect(announcements(c, inc.id)).toHaveLength(1);
  });

  it('raising the severity to SEV1 reaches the SEV1 audiences that had not heard of it, with the channel linked', async () => {
    const { h } = ih;
    const inc = await declare('U0ERIN', 'sev4 "Banner misaligned" --service checkout');
    await live('C0NOC', inc.id, [`${inc.id} · SEV4`]);
    for (const c of ['C0STAKE', 'C0HELPDESK', 'C0CHECKOUT']) expect(h.slack.messages(c).some((m) => m.text.includes(inc.id))).toBe(false);

    await h.command('U0ERIN', inc.channel!, '/incident severity sev1');
    // SEV1: stakeholders, help desk, and checkout's own SEV1 stakeholder channel join the audience.
    for (const c of ['C0STAKE', 'C0HELPDESK', 'C0CHECKOUT', 'C0NOC'])
      await live(c, inc.id, [`${inc.id} · SEV1 · investigating`, `<#${inc.channel}>`]);
    await h.command('U0ERIN', inc.channel!, '/incident update "Rolling back the CSS change"');
    for (const c of ['C0STAKE', 'C0CHECKOUT']) {
      await h.slack.waitFor(
        () => h.slack.messages(c).find((m) => m.text.includes(`${inc.id} status update: Rolling back the CSS change`)),
        { message: `no update in ${c}` },
      );
    }
    for (const c of ['C0STAKE', 'C0HELPDESK', 'C0CHECKOUT', 'C0NOC']) expect(announcements(c, inc.id)).toHaveLength(1);
  });

  it('resolving marks the live announcement resolved', async () => {
    const { h } = ih;
    const inc = await declare('U0ERIN', 'sev3 "Stale prices" --service checkout');
    await h.command('U0ERIN', inc.channel!, '/incident resolve "Cache flushed"');
    await live('C0NOC', inc.id, [`${inc.id} · SEV3 · resolved`]);
  });

  it('a long postmortem arrives whole, from /incident show --postmortem and in the channel', async () => {
    const { h } = ih;
    const inc = await declare('U0ERIN', 'sev3 "Very long night" --service checkout');
    // Twelve long notes: the draft is several times Slack's 3,000-character section limit.
    for (let i = 1; i <= 12; i++)
      await h.command('U0ERIN', inc.channel!, `/incident note "Note ${i}: ${`finding-${i} `.repeat(140).trim()} END-${i}"`);
    await h.command('U0ERIN', inc.channel!, '/incident resolve "Reindexed everything"');
    const md = (await ih.repo().postmortem(inc.id))!;
    expect(md.length).toBeGreaterThan(15_000);
    const codeOf = (blocks: unknown[] | undefined) =>
      (blocks ?? [])
        .map((b) => (b as { text?: { text?: string } }).text?.text ?? '')
        .filter((t) => t.startsWith('```'))
        .map((t) => t.slice(4, -4));

    const before = h.slack.ephemerals('U0GRACE').length;
    const show = await h.command('U0GRACE', 'C0GENERAL', `/incident show ${inc.id} --postmortem`);
    expect(show.text).toContain(`# Postmortem draft: ${inc.id}`);
    const shown = h.slack
      .ephemerals('U0GRACE')
      .slice(before)
      .filter((e) => e.channel === 'C0GENERAL');
    expect(codeOf(shown.flatMap((e) => e.blocks ?? [])).join('\n')).toBe(md);
    for (let i = 1; i <= 12; i++) expect(md).toContain(`END-${i}`);

    const first = await h.slack.waitFor(() =>
      h.slack.messages(inc.channel!).find((m) => m.text.startsWith(`Postmortem draft for ${inc.id}`)),
    );
    const posted = await h.slack.waitFor(() => {
      const all = h.slack.messages(inc.channel!, { threadTs: first.ts });
      const code = codeOf(all.flatMap((m) => m.blocks ?? [])).join('\n');
      return code === md ? code : null;
    });
    expect(posted).toBe(md);
  });
});
