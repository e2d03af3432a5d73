import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInspectModule } from '../../src/app/wire-inspect.js';
import { makePipelinesModule } from '../../src/app/wire-pipelines.js';
import { EVENTS } from '../../src/domain/contracts.js';
import { createPlanModule } from '../../src/app/modules/plan.js';
import type { PlanItem } from '../../src/domain/plan/model.js';
import { startHarness, type Harness } from '../support/harness.js';
import { inspectFixture } from './support.js';
import { waitFor } from '../support/redis.js';

// Issue #12 §7: Trivy and SARIF findings show their advisory id (linked where the report gives a
// URL), and a scan's new findings are one post and one plan item, kept in step as they are fixed
// or accepted. Everything goes through the local Slack workspace; the scanner is a real `cp`.
describe('scan batches: advisory ids, one post and one plan item per service and scan', () => {
  let h: Harness;
  const fx = inspectFixture();
  const planned = async (service: string): Promise<PlanItem[]> =>
    (await (h.app.ctx.services.get('plan' as never) as { list(f: object): Promise<PlanItem[]> }).list({ service })).filter((i) =>
      i.links.some((l) => l.type === 'finding'),
    );
  const posts = (service: string) => h.slack.messages('C0NOC').filter((m) => m.text.includes(`${service} in production`));
  const settled = () =>
    waitFor(
      async () =>
        ((await h.app.ctx.jobs.depth('events.deliver')) === 0 && (await h.app.ctx.jobs.depth('slack.deliver')) === 0) || undefined,
    );
  const inspectNow = async (service: string, expected: string) => {
    const before = h.slack.ephemerals('U0BOB').length;
    await h.command('U0BOB', 'C0GENERAL', `/inspect run running-trivy --env production --service ${service}`);
    const summary = await h.slack.waitFor(() =>
      h.slack
        .ephemerals('U0BOB')
        .slice(before)
        .find((e) => e.text.includes('running-trivy in production')),
    );
    expect(summary.text).toContain(expected);
  };

  beforeAll(async () => {
    h = await startHarness({
      name: 'inspect-batches',
      modules: [
        makePipelinesModule({ workflowsDir: 'test/inspect/workflows' }),
        makeInspectModule({ configFile: fx.configFile }),
        (ctx) => createPlanModule(ctx),
      ],
    });
    fx.setInventory('production', [
      { service: 'checkout', version: '2.0.0' },
      { service: 'payments', version: '3.1.0' },
    ]);
  });
  afterAll(async () => {
    await h?.close();
    rmSync(fx.dir, { recursive: true, force: true });
  });

  const bothCves =
    'shows both CVEs of one package with their links, in /inspect findings and in one channel post, and keeps a hostile title inert';
  it(bothCves, async () => {
    fx.setScan('checkout', '2.0.0', 'trivy-musl.json');
    await inspectNow('checkout', '3 new');
    const post = await h.slack.waitFor(() => posts('checkout')[0]);
    await settled();
    expect(posts('checkout')).toHaveLength(1);
    expect(post.text).toContain('*New findings* · running-trivy · checkout in production: 3 (1 critical, 2 high)');
    expect(post.text).toContain('<https://avd.aquasec.com/nvd/cve-2019-14697|CVE-2019-14697>');
    expect(post.text).toContain('<https://avd.aquasec.com/nvd/cve-2020-28928|CVE-2020-28928>');
    // The scanner's title cannot ping or forge a link; its broken URL is not linked at all.
    const everything = `${post.text}\n${JSON.stringify(post.blocks)}`;
    expect(everything).not.toContain('<!channel>');
    expect(everything).not.toContain('<!here>');
    expect(everything).not.toContain('<https://evil.example');
    expect(post.text).toContain('&lt;!channel&gt;');
    expect(post.text).toContain('`CVE-2099-0001`');

    const list = await h.command('U0GRACE', 'C0GENERAL', '/inspect findings --service checkout');
    expect(list.text).toContain('<https://avd.aquasec.com/nvd/cve-2019-14697|CVE-2019-14697>');
    expect(list.text).toContain('<https://avd.aquasec.com/nvd/cve-2020-28928|CVE-2020-28928>');
    expect(list.text.match(/f-[0-9a-f]{10}/g)).toHaveLength(3);

    const items = await waitFor(async () => ((await planned('checkout')).length ? planned('checkout') : undefined));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      kind: 'bug',
      priority: 'critical',
      state: 'backlog',
      title: '[running-trivy] checkout in production: 3 findings open (1 critical, 2 high)',
    });
    expect(items[0]!.links.filter((l) => l.type === 'finding')).toHaveLength(3);
    expect(items[0]!.description).toContain('CVE-2019-14697');

    // A redelivered event (and one under another id) for the same batch plans nothing new.
    const scanId = /scan (s-[0-9a-f]{10})/.exec(items[0]!.description!)![1]!;
    await h.app.ctx.events.publish(EVENTS.findingsChanged, 'redelivered-1', { scanId });
    await h.app.ctx.events.publish(EVENTS.findingsChanged, 'redelivered-2', { scanId });
    await settled();
    const again = await planned('checkout');
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: items[0]!.id, title: items[0]!.title, state: 'backlog' });
  });

  const manyHighs =
    'makes one post and one plan item of a scan with many highs, ' +
    'updates both as findings are fixed or accepted, and closes the item when all are';
  it(manyHighs, async () => {
    const vulns = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        VulnerabilityID: `CVE-2024-${String(1000 + i)}`,
        PkgName: `lib${i}`,
        InstalledVersion: '1.0.0',
        FixedVersion: '1.0.1',
        Severity: 'HIGH',
        Title: `lib${i}: heap buffer overflow when parsing a crafted archive header in the streaming decoder path`,
        PrimaryURL: `https://avd.aquasec.com/nvd/cve-2024-${1000 + i}`,
      }));
    const report = (n: number) => ({
      SchemaVersion: 2,
      Results: [{ Target: 'registry.example.com/payments:3.1.0 (debian 12.1)', Vulnerabilities: vulns(n) }],
    });

    fx.setScanJson('payments', '3.1.0', report(40));
    await inspectNow('payments', '40 new');
    const post = await h.slack.waitFor(() => posts('payments')[0]);
    await settled();
    expect(posts('payments')).toHaveLength(1);
    expect(post.text).toContain('payments in production: 40 (40 high)');
    const sections = (post.blocks ?? []).filter((b) => b.type === 'section');
    expect(sections.length).toBeGreaterThan(2); // header plus the list, split into Slack-sized sections
    for (const b of sections) expect((b as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(3000);
    const listed = JSON.stringify(post.blocks);
    for (let i = 0; i < 40; i++) expect(listed).toContain(`CVE-2024-${1000 + i}`);
    const [item] = await waitFor(async () => ((await planned('payments')).length ? planned('payments') : undefined));
    expect(await planned('payments')).toHaveLength(1);
    expect(item).toMatchObject({ priority: 'high', title: '[running-trivy] payments in production: 40 findings open (40 high)' });

    // 15 fixed: the post says so in place and in its thread; the item counts what is left.
    fx.setScanJson('payments', '3.1.0', report(25));
    await inspectNow('payments', '15 fixed');
    await h.slack.waitFor(() => h.slack.message('C0NOC', post.ts)?.text.includes('25 of 40 open'));
    const reply = await h.slack.waitFor(() => h.slack.messages('C0NOC', { threadTs: post.ts }).find((m) => m.text.includes('are fixed')));
    expect(reply.text).toContain('running-trivy no longer sees them');
    await waitFor(async () => ((await planned('payments'))[0]!.title.includes('25 of 40 findings open (25 high)') ? true : undefined));

    // One accepted: 24 left.
    const open = await h.command('U0GRACE', 'C0GENERAL', '/inspect findings --service payments --open --limit 1');
    const acked = /`(f-[0-9a-f]{10})`/.exec(open.text)![1]!;
    expect(
      (await h.command('U0CAROL', 'C0GENERAL', `/inspect ack ${acked} "not reachable: the decoder is never fed user input"`)).text,
    ).toContain('Accepted');
    await h.slack.waitFor(() => h.slack.message('C0NOC', post.ts)?.text.includes('24 of 40 open'));
    await waitFor(async () => ((await planned('payments'))[0]!.title.includes('24 of 40 findings open') ? true : undefined));

    // All fixed (the accepted one too): the item is done, with a note, and still one.
    fx.setScan('payments', '3.1.0', 'trivy-clean.json');
    await inspectNow('payments', '25 fixed');
    await h.slack.waitFor(() => h.slack.message('C0NOC', post.ts)?.text.includes('Findings closed'));
    const done = await waitFor(async () => ((await planned('payments'))[0]!.state === 'done' ? planned('payments') : undefined));
    await settled();
    expect(await planned('payments')).toHaveLength(1);
    expect(done[0]!.history.at(-1)).toMatchObject({
      actor: 'inspector running-trivy',
      text: 'closed: all 40 finding(s) fixed or accepted',
    });
    expect(posts('payments')).toHaveLength(1);
  });

  it('drops the item of a scan whose findings were all accepted as risks, and brings it back when the acceptance expires', async () => {
    fx.setInventory('production', [
      { service: 'checkout', version: '2.0.0' },
      { service: 'payments', version: '3.1.0' },
      { service: 'ledger', version: '1.0.0' },
    ]);
    fx.setScanJson('ledger', '1.0.0', {
      SchemaVersion: 2,
      Results: [
        {
          Target: 'ledger (debian 12.1)',
          Vulnerabilities: [
            {
              VulnerabilityID: 'CVE-2024-9999',
              PkgName: 'openssl',
              InstalledVersion: '3.0.1',
              Severity: 'HIGH',
              Title: 'openssl: timing side channel',
              PrimaryURL: 'https://avd.aquasec.com/nvd/cve-2024-9999',
            },
          ],
        },
      ],
    });
    await inspectNow('ledger', '1 new');
    const [item] = await waitFor(async () => ((await planned('ledger')).length ? planned('ledger') : undefined));
    expect(item!.title).toBe('[running-trivy] openssl: timing side channel (CVE-2024-9999)');

    const id = /`(f-[0-9a-f]{10})`/.exec((await h.command('U0GRACE', 'C0GENERAL', '/inspect findings --service ledger --open')).text)![1]!;
    const acceptedAt = Date.now();
    await h.command('U0CAROL', 'C0GENERAL', `/inspect ack ${id} "compensating control: constant-time proxy in front" --expires 1s`);
    const dropped = await waitFor(async () =>
      (await planned('ledger'))[0]!.state === 'dropped' ? (await planned('ledger'))[0] : undefined,
    );
    expect(dropped!.dropReason).toContain('accepted as a risk');

    // Once the acceptance has run out, the next inspection sees the finding open again.
    await waitFor(async () => (Date.now() > acceptedAt + 1100 ? true : undefined));
    await inspectNow('ledger', '1 still open');
    const back = await waitFor(async () => ((await planned('ledger'))[0]!.state === 'backlog' ? (await planned('ledger'))[0] : undefined));
    expect(back!.history.at(-1)).toMatchObject({ actor: 'inspector running-trivy', text: 'reopened: 1 of 1 finding(s) open again' });
    expect(await planned('ledger')).toHaveLength(1);
  });
});
