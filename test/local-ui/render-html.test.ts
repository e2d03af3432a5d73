// Block Kit and mrkdwn as the page shows them: escaped first, every block Switchyard sends, and
// every emoji shortcode the bot writes resolves to a character.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blocksHtml } from '../../src/local-slack/ui/blocks-html.js';
import { emojify, mrkdwnToHtml } from '../../src/local-slack/ui/mrkdwn.js';
import type { BlockContext } from '../../src/local-slack/ui/text-html.js';
import { subcommandsOf } from '../../src/local-slack/ui/manifest-commands.js';

const names = {
  user: (id: string) => ({ U0ALICE: 'alice' })[id],
  channel: (id: string) => ({ C0DEPLOYS: 'deploys' })[id],
  usergroup: (id: string) => ({ S0SRE: 'sre' })[id],
};
const ctx: BlockContext = { names, people: [{ id: 'U0ALICE', name: 'alice' }], channels: [{ id: 'C0DEPLOYS', name: 'deploys' }] };

describe('mrkdwn to HTML', () => {
  it('formats bold, italic, strike, code, pre, quotes and lists', () => {
    expect(mrkdwnToHtml('*build* _slow_ ~gone~ `npm ci`', names)).toBe('<b>build</b> <em>slow</em> <s>gone</s> <code>npm ci</code>');
    expect(mrkdwnToHtml('```a *b*\n<c>```', names)).toBe('<pre>a *b*\n&lt;c&gt;</pre>');
    expect(mrkdwnToHtml('&gt; quoted\n• one\n• two\n1. first', names)).toBe(
      '<blockquote>quoted</blockquote><ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>',
    );
    expect(mrkdwnToHtml('snake_case_name and 2*3*4', names)).toBe('snake_case_name and 2*3*4');
  });

  it('shows mentions, channels, user groups and links by name', () => {
    const html = mrkdwnToHtml('<@U0ALICE> in <#C0DEPLOYS> for <!subteam^S0SRE> <!here> see <https://ci.example/r/1|run 1>', names);
    expect(html).toContain('<span class="mention" data-user="U0ALICE">@alice</span>');
    expect(html).toContain('data-channel="C0DEPLOYS">#deploys</a>');
    expect(html).toContain('<span class="mention">@sre</span>');
    expect(html).toContain('<span class="mention">@here</span>');
    expect(html).toContain('<a href="https://ci.example/r/1" target="_blank" rel="noopener noreferrer">run 1</a>');
  });

  it('never lets text become markup: tags, attributes and script links stay text', () => {
    const hostile = '<img src=x onerror=alert(1)> &lt;script&gt;alert(1)&lt;/script&gt; <javascript:alert(1)|click> "quotes" \'too\'';
    const html = mrkdwnToHtml(hostile, names);
    expect(html).not.toMatch(/<(img|script)/);
    expect(html).not.toContain('href="javascript');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('&quot;quotes&quot;');
    const label = mrkdwnToHtml('<https://x.example/"onmouseover="alert(1)|x">y</b>>', names);
    expect(label).not.toMatch(/href="[^"]*"onmouseover/);
    expect(blocksHtml([{ type: 'header', text: { type: 'plain_text', text: '<b>hi</b>' } }], ctx)).toContain('&lt;b&gt;hi&lt;/b&gt;');
  });

  it('turns every emoji shortcode the bot writes into a character', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    ['src/domain', 'src/core', 'commands'].forEach(walk);
    const used = new Set<string>();
    for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/'[^'\n]*?:([a-z][a-z0-9_+]*[a-z0-9]):/g)) used.add(m[1]!);
    expect(used.size).toBeGreaterThan(10);
    const words = ['env', 'run', 'item', 'iteration', 'draft', 'source', 'linked']; // `a:b:` texts, not emoji
    const missing = [...used].filter((n) => !words.includes(n) && emojify(`:${n}:`) === `:${n}:`);
    expect(missing).toEqual([]);
  });
});

describe('Block Kit to HTML', () => {
  it('renders sections with fields and accessories, context, dividers, images and actions with styles and confirm', () => {
    const html = blocksHtml(
      [
        {
          type: 'section',
          block_id: 'b1',
          text: { type: 'mrkdwn', text: '*Run* r1' },
          fields: [{ type: 'mrkdwn', text: '*Env*\nstaging' }],
          accessory: { type: 'button', action_id: 'run.logs', text: { type: 'plain_text', text: 'Logs' }, value: 'r1' },
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: ':white_check_mark: done' }] },
        { type: 'divider' },
        { type: 'image', image_url: 'https://img.example/a.png', alt_text: 'graph' },
        {
          type: 'actions',
          block_id: 'b2',
          elements: [
            { type: 'button', action_id: 'gate.approve', style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value: 'g1' },
            {
              type: 'button',
              action_id: 'run.cancel',
              style: 'danger',
              text: { type: 'plain_text', text: 'Cancel' },
              confirm: {
                title: { type: 'plain_text', text: 'Cancel r1?' },
                text: { type: 'mrkdwn', text: 'Stops *everything*.' },
                confirm: { type: 'plain_text', text: 'Stop it' },
                deny: { type: 'plain_text', text: 'Keep' },
              },
            },
            { type: 'static_select', action_id: 's', options: [{ text: { type: 'plain_text', text: 'One' }, value: '1' }] },
            { type: 'overflow', action_id: 'o', options: [{ text: { type: 'plain_text', text: 'More' }, value: 'm' }] },
          ],
        },
      ],
      ctx,
    );
    expect(html).toContain('<div class="fields"><div class="field"><b>Env</b><br>staging</div></div>');
    expect(html).toContain('data-action-id="run.logs" data-block-id="b1" data-value="r1">Logs</button>');
    expect(html).toContain('✅ done');
    expect(html).toContain('<hr>');
    expect(html).toContain('<img class="block-image" src="https://img.example/a.png" alt="graph"');
    expect(html).toContain('class="btn primary" data-press data-action-id="gate.approve"');
    expect(html).toContain('class="btn danger"');
    expect(html).toContain('<template class="confirm">');
    expect(html).toContain('<h3>Cancel r1?</h3><div class="dialog-text">Stops <b>everything</b>.</div>');
    expect(html).toContain('data-dialog="confirm">Stop it</button>');
    expect(html).toContain('<option value="1">One</option>');
    expect(html).toContain('<li>More</li>');
  });

  it('renders inputs with their initial values, optional marks and the errors the app returned', () => {
    const html = blocksHtml(
      [
        {
          type: 'input',
          block_id: 'severity',
          label: { type: 'plain_text', text: 'Severity' },
          element: {
            type: 'static_select',
            action_id: 'severity',
            options: ['SEV1', 'SEV2'].map((v) => ({ text: { type: 'plain_text', text: v }, value: v })),
            initial_option: { text: { type: 'plain_text', text: 'SEV2' }, value: 'SEV2' },
          },
        },
        {
          type: 'input',
          block_id: 'who',
          optional: true,
          label: { type: 'plain_text', text: 'Who' },
          element: { type: 'users_select', action_id: 'who' },
        },
      ],
      { ...ctx, errors: { severity: 'Pick one <now>' } },
    );
    expect(html).toContain('<option value="SEV2" selected>SEV2</option>');
    expect(html).toContain('data-type="static_select" data-required');
    expect(html).toContain('<span class="optional">(optional)</span>');
    expect(html).toContain('<option value="U0ALICE">@alice</option>');
    expect(html).toContain('data-error-for="severity">Pick one &lt;now&gt;</div>');
  });
});

describe('autocomplete hints from the manifest', () => {
  it('takes the first word of each usage alternative as a subcommand', () => {
    expect(subcommandsOf('list | run <name> [--env E] | status|logs|cancel|retry <run> | history')).toEqual([
      'list',
      'run',
      'status',
      'logs',
      'cancel',
      'retry',
      'history',
    ]);
    expect(subcommandsOf('declare sev2 "title" | update|note <text>')).toEqual(['declare', 'update', 'note']);
  });
});
